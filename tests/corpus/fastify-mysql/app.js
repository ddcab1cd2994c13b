import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AutoLoad from '@fastify/autoload';

const __dirname = path.dirname(fileURLToPath(import.meta.url));

export default async function app(fastify, opts) {
  fastify.register(AutoLoad, { dir: path.join(__dirname, 'plugins'), options: { ...opts } });
  fastify.register(AutoLoad, { dir: path.join(__dirname, 'routes'), options: { ...opts } });
}
