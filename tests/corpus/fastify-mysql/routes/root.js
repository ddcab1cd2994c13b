export default async function (fastify) {
  fastify.get('/', async () => ({ service: 'books', ok: true }));
}
