#!/usr/bin/env node
// End-to-end journey through the real console against a running product, in Debian's headless Chromium.
//   KO_E2E_URL=http://127.0.0.1:18080 KO_E2E_ADMIN_PASSWORD=... npm run e2e
// KO_E2E_JOURNEY=lab runs the journey on lab hosts instead (e2e/lab.mjs; tests/e2e/test_console_lab_e2e.py sets it up).
// Screenshots of every step go to test-artifacts/ (KO_E2E_ARTIFACTS to change it).
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { journey } from './journey.mjs';
import { labJourney } from './lab.mjs';

const base = (process.env.KO_E2E_URL ?? '').replace(/\/+$/, '');
const adminPassword = process.env.KO_E2E_ADMIN_PASSWORD ?? '';
if (!base || !adminPassword) {
  console.error('Set KO_E2E_URL (the running console, e.g. http://127.0.0.1:18080) and KO_E2E_ADMIN_PASSWORD.');
  process.exit(2);
}
const executablePath = process.env.KO_E2E_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = resolve(process.env.KO_E2E_ARTIFACTS ?? resolve(fileURLToPath(import.meta.url), '../../test-artifacts'));
// The lab journey's delete stage adds to the screenshots of its deploy stage (KO_E2E_LAB_STAGE, e2e/lab.mjs).
if (!(process.env.KO_E2E_JOURNEY === 'lab' && process.env.KO_E2E_LAB_STAGE === 'delete')) {
  await rm(artifacts, { recursive: true, force: true });
}
await mkdir(artifacts, { recursive: true });

// Playwright gives every launch a fresh temporary profile (--user-data-dir) and removes it afterwards.
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

let failed = false;
try {
  await (process.env.KO_E2E_JOURNEY === 'lab' ? labJourney : journey)({ browser, base, adminPassword, artifacts });
  console.log(`e2e: all steps passed; screenshots in ${artifacts}`);
} catch (error) {
  failed = true;
  console.error(`e2e: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  console.error(`e2e: screenshots (including failure-*.png) in ${artifacts}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
