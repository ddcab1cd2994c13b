import { createServer } from "node:http";
import { createHandler } from "./app.js";

const port = Number(process.env.PORT ?? 8080);
const server = createServer(createHandler());

server.listen(port, "0.0.0.0", () => {
  console.log(`listening on port ${port}`);
});

// `docker stop` sends SIGTERM to PID 1, which is node itself (exec-form CMD).
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    console.log(`${signal} received, closing`);
    server.close(() => process.exit(0));
  });
}
