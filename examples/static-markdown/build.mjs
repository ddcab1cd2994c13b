// Renders content/*.md to dist/*.html (index.md -> index.html, other.md -> other/index.html)
// and copies assets/ to dist/assets/. No framework: marked and the standard library.
import { cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { marked } from "marked";

const out = "dist";

function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title}</title>
  <link rel="stylesheet" href="/assets/site.css">
</head>
<body>
  <main>
${body}
  </main>
</body>
</html>
`;
}

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const files = (await readdir("content")).filter((f) => f.endsWith(".md")).sort();
for (const file of files) {
  const markdown = await readFile(join("content", file), "utf8");
  const title = (markdown.match(/^#\s+(.+)$/m) ?? [null, basename(file, ".md")])[1];
  const name = basename(file, ".md");
  const dir = name === "index" ? out : join(out, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "index.html"), page(title, marked.parse(markdown)));
  console.log(`built ${join(dir, "index.html")}`);
}
await cp("assets", join(out, "assets"), { recursive: true });
