const express = require('express');

const router = express.Router();
const books = [
  { id: 1, title: 'The Pragmatic Programmer' },
  { id: 2, title: 'Designing Data-Intensive Applications' },
];

router.get('/', (req, res) => res.json(books));
router.get('/:id', (req, res) => {
  const book = books.find((b) => b.id === Number(req.params.id));
  if (!book) return res.status(404).json({ error: 'not found' });
  return res.json(book);
});

module.exports = router;
