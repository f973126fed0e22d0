// @vitest-environment node
// Fails when src/api/events.gen.ts no longer matches docs/events/asyncapi.json: run `npm run gen:events`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'ko-gen-events-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

test('the generated event types are up to date with docs/events/asyncapi.json', () => {
  execFileSync(process.execPath, [join(root, 'scripts/gen-events.mjs'), '--out', out], { cwd: root });
  const fresh = readFileSync(join(out, 'events.gen.ts'), 'utf8');
  const committed = readFileSync(join(root, 'src/api/events.gen.ts'), 'utf8');
  expect(committed === fresh, 'src/api/events.gen.ts is stale: run `npm run gen:events` and commit the result').toBe(true);
});

test('every event type of the contract is in the generated types, with its payload', () => {
  const spec = JSON.parse(readFileSync(resolve(root, '../docs/events/asyncapi.json'), 'utf8')) as {
    components: { messages: Record<string, { name: string; payload: { allOf: { properties?: { data?: { $ref: string } } }[] } }> };
  };
  const generated = readFileSync(join(root, 'src/api/events.gen.ts'), 'utf8');
  const messages = Object.values(spec.components.messages);
  expect(messages.length).toBeGreaterThan(0);
  for (const message of messages) {
    const schema = message.payload.allOf.find((part) => part.properties?.data)?.properties?.data?.$ref.split('/').pop();
    expect(generated).toContain(`"${message.name}": components["schemas"]["${schema}"];`);
  }
});
