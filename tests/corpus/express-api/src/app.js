const express = require('express');
const logger = require('morgan');
const path = require('path');

const indexRouter = require('./routes/index');
const booksRouter = require('./routes/books');

const app = express();
app.use(logger('combined'));
app.use(express.json());
app.use(express.static(path.join(__dirname, '..', 'public')));

app.use('/', indexRouter);
app.use('/api/books', booksRouter);

app.get('/healthz', (req, res) => res.json({ status: 'ok' }));

app.use((req, res) => res.status(404).json({ error: 'not found' }));

module.exports = app;
