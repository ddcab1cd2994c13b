'use strict';

const { createApp } = require('./app');

const port = Number(process.env.PORT || 3000);
const server = createApp().listen(port, '0.0.0.0', () => {
  console.log(`listening on port ${port}`);
});

// `docker stop` sends SIGTERM to PID 1, which is node itself (exec-form CMD): finish the
// requests in flight, then exit.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`${signal} received, closing`);
    server.close(() => process.exit(0));
  });
}
