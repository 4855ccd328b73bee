// Types of the typed API client, generated from the services' OpenAPI documents
// (openapi/<service>.json, written by `uv run movierec openapi --write`).
//   node scripts/generate-client.mjs          write src/api/generated/<service>.ts
//   node scripts/generate-client.mjs --check  fail when a written file is stale (CI)
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";

const root = new URL("..", import.meta.url).pathname;
const check = process.argv.includes("--check");
const header = "// Generated from openapi/%s.json by scripts/generate-client.mjs: do not edit.\n\n";
let stale = [];
for (const file of (await readdir(join(root, "openapi"))).filter((f) => f.endsWith(".json")).sort()) {
  const name = file.replace(/\.json$/, "");
  const doc = JSON.parse(await readFile(join(root, "openapi", file), "utf8"));
  const text = header.replace("%s", name) + astToString(await openapiTS(doc));
  const target = join(root, "src/api/generated", `${name}.ts`);
  if (check) {
    const current = await readFile(target, "utf8").catch(() => "");
    if (current !== text) stale.push(target);
  } else {
    await writeFile(target, text);
    console.log(`wrote ${target}`);
  }
}
if (stale.length) {
  console.error(`stale: ${stale.join(", ")}\nrun: uv run movierec openapi --write && npm run generate`);
  process.exit(1);
}
