import express from 'express';
import { greet } from '../../../libs/greeting/src';

const app = express();
const port = process.env.PORT ? Number(process.env.PORT) : 3333;

app.get('/api', (_req, res) => {
  res.send({ message: greet('api') });
});

app.get('/healthz', (_req, res) => {
  res.send({ status: 'ok' });
});

const server = app.listen(port, '0.0.0.0', () => {
  console.log(`Listening at http://0.0.0.0:${port}/api`);
});
server.on('error', console.error);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
