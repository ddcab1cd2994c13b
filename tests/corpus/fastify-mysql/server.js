import Fastify from 'fastify';
import app from './app.js';

const fastify = Fastify({ logger: true });
fastify.register(app);

const port = process.env.PORT || 3000;

fastify.listen({ port, host: '0.0.0.0' }, (err) => {
  if (err) {
    fastify.log.error(err);
    process.exit(1);
  }
});
