'use strict';

const notes = [{ id: 1, text: 'Ship the image' }];

module.exports = async function routes(fastify) {
  fastify.get('/notes', async () => notes);
  fastify.get('/notes/:id', async (request, reply) => {
    const note = notes.find((n) => n.id === Number(request.params.id));
    if (!note) {
      return reply.code(404).send({ error: 'not found' });
    }
    return note;
  });
};
