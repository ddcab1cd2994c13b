export default async function (fastify) {
  fastify.get('/books', async () => {
    const [rows] = await fastify.db.query('SELECT id, title FROM books ORDER BY id');
    const [[{ version }]] = await fastify.db.query('SELECT VERSION() AS version');
    return { server: version, books: rows };
  });

  fastify.post('/books', async (request, reply) => {
    const [result] = await fastify.db.query('INSERT INTO books (title) VALUES (?)', [request.body.title]);
    reply.code(201);
    return { id: result.insertId, title: request.body.title };
  });
}
