import express, { Request, Response } from 'express';
import helmet from 'helmet';
import { usersRouter } from './routes/users';

const app = express();
const port = Number(process.env.PORT) || 4000;

app.use(helmet());
app.use(express.json());

app.get('/', (_req: Request, res: Response) => {
  res.send('Express + TypeScript Server');
});

app.use('/users', usersRouter);

app.listen(port, () => {
  console.log(`[server]: Server is running at http://localhost:${port}`);
});
