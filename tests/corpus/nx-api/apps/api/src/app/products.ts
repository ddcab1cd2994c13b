import { Router } from 'express';

const products = [
  { id: 1, name: 'Monorepo Mug' },
  { id: 2, name: 'Workspace Hoodie' },
];

export const productsRouter = Router();

productsRouter.get('/', (_req, res) => {
  res.json(products);
});
