'use strict';

const path = require('node:path');
const Koa = require('koa');
const serve = require('koa-static');
const { settings } = require('@shop/config');

const app = new Koa();

app.use(async (ctx, next) => {
  if (ctx.path === '/health') {
    ctx.body = { status: 'ok' };
    return;
  }
  if (ctx.path === '/api/settings') {
    ctx.body = settings();
    return;
  }
  await next();
});
app.use(serve(path.join(__dirname, '..', 'public')));

const server = app.listen(process.env.PORT || 5000, () => {
  console.log(`web listening on ${server.address().port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
