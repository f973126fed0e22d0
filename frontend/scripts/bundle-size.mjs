#!/usr/bin/env node
// Initial JavaScript of the built console, gzipped: the entry script and every module it preloads
// (what a browser fetches before the first page renders). Lazy route chunks are not counted.
// Exits 1 above the budget (KO_JS_BUDGET_KB, default 500).
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = resolve(fileURLToPath(import.meta.url), '../../dist');
const budgetKb = Number(process.env.KO_JS_BUDGET_KB ?? 500);
const html = await readFile(join(dist, 'index.html'), 'utf8');
const files = [
  ...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g),
  ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g),
].map((m) => m[1]);

let total = 0;
for (const file of new Set(files)) {
  const bytes = gzipSync(await readFile(join(dist, file)), { level: 9 }).length;
  total += bytes;
  console.log(`${(bytes / 1024).toFixed(1).padStart(8)} KB  ${file}`);
}
const kb = total / 1024;
console.log(`${kb.toFixed(1).padStart(8)} KB  initial JavaScript, gzipped (budget ${budgetKb} KB)`);
if (kb > budgetKb) {
  console.error(`Initial JavaScript is over budget by ${(kb - budgetKb).toFixed(1)} KB: lazy-load more.`);
  process.exit(1);
}
