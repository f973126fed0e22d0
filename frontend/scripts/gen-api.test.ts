// @vitest-environment node
// Fails when src/api/schema.gen.ts no longer matches docs/api/openapi.json: run `npm run gen:api`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'ko-gen-api-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

test('the generated API client is up to date with docs/api/openapi.json', () => {
  execFileSync(process.execPath, [join(root, 'scripts/gen-api.mjs'), '--out', out], { cwd: root });
  const fresh = readFileSync(join(out, 'schema.gen.ts'), 'utf8');
  const committed = readFileSync(join(root, 'src/api/schema.gen.ts'), 'utf8');
  expect(committed === fresh, 'src/api/schema.gen.ts is stale: run `npm run gen:api` and commit the result').toBe(true);
});
