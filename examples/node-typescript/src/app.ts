import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";

// A temperature converter: small, but a real request, validation and response cycle.
const Conversion = z.object({
  celsius: z.number().finite().min(-273.15),
});

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024) {
      throw new Error("body too large");
    }
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

export function createHandler(): Handler {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/healthz") {
      send(res, 200, { status: "ok" });
    } else if (req.method === "GET" && url.pathname === "/") {
      send(res, 200, { service: "temperature", usage: "POST /fahrenheit {\"celsius\": 21.5}" });
    } else if (req.method === "POST" && url.pathname === "/fahrenheit") {
      readJson(req)
        .then((body) => {
          const parsed = Conversion.safeParse(body);
          if (!parsed.success) {
            send(res, 400, { error: parsed.error.issues.map((i) => i.message) });
            return;
          }
          const { celsius } = parsed.data;
          send(res, 200, { celsius, fahrenheit: Math.round((celsius * 9) / 5 * 100 + 3200) / 100 });
        })
        .catch(() => send(res, 400, { error: ["the body is not JSON"] }));
    } else {
      send(res, 404, { error: ["not found"] });
    }
  };
}
