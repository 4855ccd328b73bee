// The production JavaScript's size, gzipped, against its budget (issue: at most 250 KB).
//   node scripts/check-size.mjs   (after `npm run build`)
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET = 250 * 1024;
const assets = new URL("../dist/assets", import.meta.url).pathname;
let total = 0;
for (const name of readdirSync(assets).filter((n) => n.endsWith(".js")).sort()) {
  const size = gzipSync(readFileSync(join(assets, name)), { level: 9 }).length;
  total += size;
  console.log(`${name}: ${(size / 1024).toFixed(1)} KB gzipped`);
}
console.log(`JavaScript in all: ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET / 1024} KB)`);
if (total > BUDGET) process.exit(1);
