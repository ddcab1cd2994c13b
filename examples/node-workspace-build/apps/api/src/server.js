const http = require("http");
const { greet } = require("@acme/shared");
const port = Number(process.env.PORT || 3000);
http.createServer((req, res) => {
  if (req.url === "/health") { res.end("ok"); return; }
  res.end(greet("world"));
}).listen(port, "0.0.0.0");
