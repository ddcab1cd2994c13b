require('dotenv').config();
const express = require('express');
const mongoose = require('mongoose');
const todoRoutes = require('./routes/todos');

if (!process.env.MONGODB_URI) {
  throw new Error('MONGODB_URI is not set');
}

const app = express();
const PORT = process.env.PORT || 3000;

app.use(express.json());
app.get('/healthz', (req, res) => res.json({ status: 'ok' }));
app.use('/api/todos', todoRoutes);

mongoose
  .connect(process.env.MONGODB_URI)
  .then(() => {
    console.log('Connected to MongoDB');
    app.listen(PORT, () => console.log(`Server listening on port ${PORT}`));
  })
  .catch((err) => {
    console.error('MongoDB connection error:', err);
    process.exit(1);
  });
