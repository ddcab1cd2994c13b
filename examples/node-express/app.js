'use strict';

const express = require('express');

// An in-memory list of notes: enough of an API to show the image at work.
function createApp() {
  const app = express();
  const notes = [];

  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));

  app.get('/healthz', (req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/', (req, res) => {
    res.json({ greeting: process.env.GREETING || 'Hello', notes: notes.length });
  });

  app.get('/notes', (req, res) => {
    res.json(notes);
  });

  app.post('/notes', (req, res) => {
    const text = req.body && typeof req.body.text === 'string' ? req.body.text.trim() : '';
    if (!text) {
      res.status(400).json({ error: 'text is required' });
      return;
    }
    const note = { id: notes.length + 1, text };
    notes.push(note);
    res.status(201).json(note);
  });

  return app;
}

module.exports = { createApp };
