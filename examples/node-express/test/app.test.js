'use strict';

const test = require('node:test');
const assert = require('node:assert');
const request = require('supertest');
const { createApp } = require('../app');

test('health check answers ok', async () => {
  const res = await request(createApp()).get('/healthz');
  assert.strictEqual(res.status, 200);
  assert.deepStrictEqual(res.body, { status: 'ok' });
});

test('notes are created and listed', async () => {
  const app = createApp();
  const created = await request(app).post('/notes').send({ text: 'buy milk' });
  assert.strictEqual(created.status, 201);
  const listed = await request(app).get('/notes');
  assert.deepStrictEqual(listed.body, [{ id: 1, text: 'buy milk' }]);
  const refused = await request(app).post('/notes').send({});
  assert.strictEqual(refused.status, 400);
});
