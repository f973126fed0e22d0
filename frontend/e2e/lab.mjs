// The console journey on lab hosts (issue 6): log in; import the test offline package; create a
// credential; register the lab hosts and see their facts; plan a 1 master + 1 worker cluster in the
// wizard (with a registry mirror); watch the deploy live to Running; open the cluster detail and the
// overview; switch to Chinese; delete the cluster and follow its reset.
// Run by tests/e2e/test_console_lab_e2e.py in two stages around its own checks of the cluster
// (KO_E2E_LAB_STAGE): `deploy` ends with the Running cluster in Chinese, `delete` logs in again and
// deletes it (KO_E2E_LAB_CLUSTER_ID), numbering its screenshots after the first stage's. `all` (the
// default) runs both in one go.
import { strict as assert } from 'node:assert';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const TIMEOUT = 30_000;

export async function labJourney({ browser, base, adminPassword, artifacts }) {
  const hosts = JSON.parse(process.env.KO_E2E_LAB_HOSTS ?? '[]');
  const keyFile = process.env.KO_E2E_LAB_KEY_FILE ?? '';
  const packagePath = process.env.KO_E2E_PACKAGE ?? '';
  const deployTimeout = Number(process.env.KO_E2E_DEPLOY_TIMEOUT_MS ?? 1_200_000);
  const stage = process.env.KO_E2E_LAB_STAGE ?? 'all';
  const mirror = process.env.KO_E2E_LAB_MIRROR ?? '';
  assert.ok(['deploy', 'delete', 'all'].includes(stage), `KO_E2E_LAB_STAGE is deploy, delete or all, not ${stage}`);
  assert.ok(hosts.length >= 2 && keyFile && packagePath, 'KO_E2E_LAB_HOSTS (2 hosts), KO_E2E_LAB_KEY_FILE and KO_E2E_PACKAGE are needed');
  assert.ok(stage !== 'delete' || (process.env.KO_E2E_LAB_CLUSTER_ID && process.env.KO_E2E_LAB_CLUSTER), 'the delete stage needs KO_E2E_LAB_CLUSTER_ID and KO_E2E_LAB_CLUSTER');
  const [masterHost, workerHost] = hosts;
  const privateKey = await readFile(keyFile, 'utf8');

  const pages = [];
  // The delete stage numbers its screenshots after the deploy stage's.
  let stepNo = stage === 'delete' ? (await readdir(artifacts)).filter((f) => /^\d+-.*\.png$/.test(f)).length : 0;
  const started = Date.now();
  const shot = async (page, name) => {
    stepNo += 1;
    await page.screenshot({ path: join(artifacts, `${String(stepNo).padStart(2, '0')}-${name}.png`), fullPage: true });
    console.log(`e2e(lab): step ${stepNo} ${name} ✓ (${Math.round((Date.now() - started) / 1000)} s)`);
  };
  const context = await browser.newContext({ baseURL: base, locale: 'en-US', viewport: { width: 1440, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  pages.push(page);
  page.on('pageerror', (error) => console.error(`e2e(lab): page error: ${error.message}`));
  const stamp = Date.now().toString(36);
  const clusterName = process.env.KO_E2E_LAB_CLUSTER || `lab-${stamp}`;
  let clusterUrl = `/clusters/${process.env.KO_E2E_LAB_CLUSTER_ID ?? ''}`;
  const menu = (name) => page.getByTestId('side-menu').getByRole('link', { name, exact: true });

  try {
    // 1. Log in.
    await page.goto('/');
    await page.waitForURL(/\/login/);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByTestId('login-submit').click();
    await page.waitForURL((url) => url.pathname === '/');
    if (stage !== 'delete') await deploy();
    if (stage !== 'deploy') await remove();
    await context.close();
  } catch (error) {
    for (const [i, open] of pages.entries()) {
      if (!open.isClosed()) await open.screenshot({ path: join(artifacts, `failure-${stage}-${i}.png`), fullPage: true }).catch(() => {});
    }
    throw error;
  }

  async function deploy() {
    // A new installation: the overview says what to do first.
    await page.getByTestId('overview-clusters-empty').waitFor();
    await page.getByTestId('overview-hosts-empty').waitFor();
    await shot(page, 'overview-empty');

    // 2. The test offline package, imported through the product (the wizard's versions come from it).
    await menu('Offline packages').click();
    await page.waitForURL(/\/admin\/offline-packages$/);
    await page.getByTestId('package-import').click();
    const pkgDialog = page.getByRole('dialog');
    await pkgDialog.getByLabel('Path on the KubeOperator server').fill(packagePath);
    await page.getByTestId('package-submit').click();
    await page.getByTestId('import-ready').waitFor({ timeout: 180_000 });
    await shot(page, 'package-imported');
    await page.getByTestId('package-submit').click();
    await pkgDialog.waitFor({ state: 'hidden' });

    // ...and a credential with the lab's private key, never shown back.
    await menu('Credentials').click();
    await page.waitForURL(/\/inventory\/credentials$/);
    await page.getByTestId('credential-create').click();
    const credDialog = page.getByRole('dialog');
    await credDialog.getByLabel('Name', { exact: true }).fill(`lab-root-${stamp}`);
    await credDialog.getByLabel('SSH username').fill('root');
    await credDialog.getByText('Private key', { exact: true }).first().click();
    await credDialog.locator('#credential_private_key').fill(privateKey);
    await shot(page, 'credential-form');
    await page.getByTestId('credential-submit').click();
    await credDialog.waitFor({ state: 'hidden' });
    await page.getByTestId('credential-table').getByRole('row', { name: new RegExp(`lab-root-${stamp}`) }).waitFor();
    assert.ok(!(await page.content()).includes(privateKey.split('\n')[1]), 'the private key is shown back');
    await shot(page, 'credential-created');

    // 3. Register the two lab hosts: the inventory connects, and their facts show.
    await menu('Hosts').click();
    await page.waitForURL(/\/inventory\/hosts$/);
    for (const host of [masterHost, workerHost]) {
      await page.getByTestId('host-create').click();
      const hostDialog = page.getByRole('dialog');
      await hostDialog.getByLabel('Name', { exact: true }).fill(host.name);
      await hostDialog.getByLabel('IP address').fill(host.ip);
      await hostDialog.getByLabel('Credential').click();
      await page.locator('.ant-select-item-option', { hasText: `lab-root-${stamp}` }).click();
      await page.getByTestId('host-submit').click();
      await hostDialog.waitFor({ state: 'hidden', timeout: 120_000 });
      const row = page.getByTestId('host-table').getByRole('row', { name: new RegExp(host.name) });
      await row.getByText('Ready').waitFor({ timeout: 60_000 });
    }
    await shot(page, 'hosts-ready');
    await page.getByTestId(`host-open-${masterHost.name}`).click();
    const drawer = page.getByTestId('host-detail');
    await drawer.getByText('Facts').waitFor();
    await drawer.getByText(/Debian/).first().waitFor();
    await drawer.getByText('Supported').first().waitFor();
    await shot(page, 'host-facts');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });

    // 4. The wizard: name and version, one master, the two hosts with their roles, defaults, review.
    await menu('Clusters').click();
    await page.waitForURL(/\/clusters$/);
    await page.getByTestId('cluster-create').click();
    await page.waitForURL(/\/clusters\/new$/);
    await page.getByLabel('Name', { exact: true }).fill(clusterName);
    await page.getByLabel('Version').click();
    await page.locator('.ant-select-item-option').first().click();
    await shot(page, 'wizard-basics');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('topology-single').click();
    await page.getByTestId('wizard-next').click();
    await page.getByTestId(`node-role-${masterHost.name}`).getByText('Master').click();
    await page.getByTestId(`node-role-${workerHost.name}`).getByText('Worker').click();
    await shot(page, 'wizard-hosts');
    await page.getByTestId('wizard-next').click();
    // The network step: a registry mirror the nodes' containerd pulls through (checked on the hosts).
    if (mirror) {
      const mirrors = page.getByLabel('Registry mirrors');
      await mirrors.fill(mirror);
      await mirrors.press('Enter');
      await page.locator('.ant-select-selection-item', { hasText: mirror }).waitFor();
    }
    while (await page.getByTestId('wizard-next').isVisible()) await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-submit').waitFor();
    if (mirror) await page.getByText(mirror).first().waitFor();
    await shot(page, 'wizard-review');
    await page.getByTestId('wizard-submit').click();

    // 5. The live deploy view: the stepper advances phase by phase and log lines keep arriving, to Running.
    await page.waitForURL(/\/clusters\/[^/]+\/operations\/[^/]+$/);
    clusterUrl = new URL(page.url()).pathname.replace(/\/operations\/.*/, '');
    await page.getByTestId('stream-state').and(page.locator('[data-state="open"]')).waitFor().catch(() => {});
    const seen = new Set();
    let lines = 0;
    let growth = 0;
    let midShot = false;
    const deadline = Date.now() + deployTimeout;
    for (;;) {
      if (await page.getByTestId('operation-succeeded').isVisible()) break;
      assert.equal(await page.getByTestId('error-panel').count(), 0, `the deploy failed: ${await page.getByTestId('error-panel').innerText().catch(() => '')}`);
      assert.ok(Date.now() < deadline, `the deploy is not done after ${deployTimeout / 1000} s; phases done: ${[...seen].join(', ')}`);
      for (const phase of await page.locator('[data-testid^="phase-"][data-status="succeeded"]').all()) {
        seen.add((await phase.getAttribute('data-testid')).slice('phase-'.length));
      }
      const count = Number(((await page.getByTestId('event-count').innerText().catch(() => '0')).match(/\d+/) ?? ['0'])[0]);
      if (count > lines) growth += 1;
      lines = Math.max(lines, count);
      if (!midShot && seen.size >= 3) {
        midShot = true;
        await shot(page, 'deploy-in-progress');
      }
      await page.waitForTimeout(1000);
    }
    await page.getByTestId('operation-succeeded').waitFor();
    const phases = await page.locator('[data-testid^="phase-"][data-status]').count();
    const succeeded = await page.locator('[data-testid^="phase-"][data-status="succeeded"]').count();
    assert.equal(succeeded, phases, `${succeeded} of ${phases} phases succeeded`);
    assert.ok(seen.size >= 2, `the stepper did not advance live (saw ${[...seen].join(', ')} succeed before the end)`);
    assert.ok(growth >= 3, `the log did not grow live (${growth} increases)`);
    console.log(`e2e(lab): deploy to Running in the browser: ${phases} phases, ${lines} log lines, ${growth} live increases`);
    await shot(page, 'deploy-succeeded');

    // 6. The cluster detail: running, two nodes, the deploy in its history.
    await page.goto(clusterUrl);
    await page.getByTestId('cluster-overview').locator('[data-testid="cluster-status"][data-status="running"]').waitFor();
    await page.getByRole('tab', { name: /Nodes/ }).click();
    await page.getByTestId('cluster-nodes').getByText(masterHost.ip).waitFor();
    await page.getByTestId('cluster-nodes').getByText(workerHost.ip).waitFor();
    await shot(page, 'cluster-detail');

    // The overview counts it: one cluster running, the deploy among the recent operations, two hosts ready.
    await menu('Overview').click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.getByTestId('overview-clusters').locator('[data-status="running"][data-count="1"]').waitFor();
    await page.getByTestId('overview-operations').getByText(clusterName).first().waitFor();
    await page.getByTestId('overview-hosts').locator('[data-status="ready"][data-count="2"]').waitFor();
    await shot(page, 'overview-running');

    // 7. Chinese.
    await page.getByTestId('language-switch').click();
    await page.getByTestId('language-zh-CN').click();
    await page.getByTestId('side-menu').getByText('概览').waitFor();
    await page.getByTestId('overview-clusters').getByText('运行中').first().waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    await shot(page, 'overview-chinese');
    await page.goto(clusterUrl);
    await page.getByText(`集群 ${clusterName}`).waitFor();
    await shot(page, 'cluster-detail-chinese');
    await page.getByTestId('language-switch').click();
    await page.getByTestId('language-en-US').click();
    await page.getByTestId('side-menu').getByText('Overview').waitFor();
  }

  async function remove() {
    // Delete it from its detail page: the confirmation names it, then the reset runs to the end and it is gone.
    if (new URL(page.url()).pathname !== clusterUrl) await page.goto(clusterUrl);
    await page.getByTestId('cluster-overview').locator('[data-testid="cluster-status"][data-status="running"]').waitFor();
    await page.getByTestId('cluster-delete').click();
    const confirm = page.getByRole('dialog');
    await confirm.getByText(clusterName).first().waitFor();
    assert.ok(await page.getByTestId('cluster-delete-submit').isDisabled(), 'delete is possible without typing the name');
    await page.getByTestId('cluster-delete-name').fill(clusterName);
    await shot(page, 'delete-confirm');
    await page.getByTestId('cluster-delete-submit').click();
    await page.waitForURL(/\/operations\/[^/]+$/);
    await page.getByTestId('operation-succeeded').waitFor({ timeout: 600_000 });
    await shot(page, 'reset-succeeded');
    await menu('Clusters').click();
    await page.getByTestId('clusters-empty').waitFor({ timeout: 60_000 });
    await shot(page, 'cluster-deleted');
  }
}
