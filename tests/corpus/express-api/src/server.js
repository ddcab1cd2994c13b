const app = require('./app');

const port = parseInt(process.env.PORT || '3000', 10);
const server = app.listen(port, () => {
  console.log(`listening on ${port}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
