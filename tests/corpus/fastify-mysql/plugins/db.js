import fp from 'fastify-plugin';
import mysql from 'mysql2/promise';

export default fp(async function db(fastify) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL is required');
  }
  const pool = mysql.createPool(url);
  await pool.query(
    'CREATE TABLE IF NOT EXISTS books (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(255) NOT NULL)'
  );
  fastify.decorate('db', pool);
  fastify.addHook('onClose', async () => pool.end());
});
