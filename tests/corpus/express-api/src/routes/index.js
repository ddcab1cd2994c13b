const express = require('express');

const router = express.Router();

router.get('/', (req, res) => {
  res.type('html').send('<!doctype html><title>Library</title><h1>Library</h1><p><a href="/api/books">Books</a></p>');
});

module.exports = router;
