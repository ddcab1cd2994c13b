import path from 'node:path';
import express from 'express';
import { health } from './routes/health';

const app = express();
const port = Number(process.env.PORT) || 8000;

app.use(express.static(path.join(__dirname, '..', 'public')));
app.get('/health', health);
app.get('/api/time', (_req, res) => {
  res.json({ now: new Date().toISOString() });
});

const server = app.listen(port, () => {
  console.log(`listening on ${port}`);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
