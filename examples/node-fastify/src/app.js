'use strict';

const path = require('node:path');
const Fastify = require('fastify');

const fastify = Fastify({ logger: true });

fastify.register(require('@fastify/static'), {
  root: path.join(__dirname, '..', 'static'),
  prefix: '/static/',
});
fastify.register(require('./routes/notes'), { prefix: '/api' });

fastify.get('/healthz', async () => ({ status: 'ok' }));

const start = async () => {
  try {
    await fastify.listen({ port: Number(process.env.PORT) || 7000, host: '0.0.0.0' });
  } catch (err) {
    fastify.log.error(err);
    process.exit(1);
  }
};

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => fastify.close().then(() => process.exit(0)));
}

start();
