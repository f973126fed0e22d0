// The console journey, step by step. Each step saves a screenshot; a failure saves one of every open page.
import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cloudSteps } from './cloud.mjs';

// Generous: a 2-core CI machine running lab deploys next to this answers slowly.
const TIMEOUT = 45_000;

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function journey({ browser, base, adminPassword, artifacts }) {
  const pages = new Set();
  let stepNo = 0;
  const shot = async (page, name) => {
    stepNo += 1;
    const file = join(artifacts, `${String(stepNo).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`e2e: step ${stepNo} ${name} ✓`);
  };
  const newContext = async () => {
    // English browser: the console defaults to the browser language.
    const context = await browser.newContext({ baseURL: base, locale: 'en-US', viewport: { width: 1440, height: 900 } });
    context.setDefaultTimeout(TIMEOUT);
    return context;
  };
  const newPage = async (context) => {
    const page = await context.newPage();
    pages.add(page);
    page.on('pageerror', (error) => console.error(`e2e: page error: ${error.message}`));
    return page;
  };

  const stamp = Date.now().toString(36);
  const secret = `Sup3r-s3cret-${stamp}`;
  const credName = `e2e-cred-${stamp}`;
  const liveName = `e2e-live-${stamp}`;
  const readerName = `e2e-reader-${stamp}`;
  const readerPassword = `Reader-${stamp}-pw`;

  try {
    // 1. Log in as admin.
    const admin = await newContext();
    const page = await newPage(admin);
    await page.goto('/');
    await page.waitForURL(/\/login/);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(adminPassword);
    await shot(page, 'login');
    await page.getByTestId('login-submit').click();
    await page.waitForURL((url) => url.pathname === '/');

    // 2. The overview shows every service healthy (a check slowed by a loaded machine recovers at the next refresh, 15 s on).
    await page.locator('[data-testid="health-status"][data-status="ok"]').waitFor({ timeout: 60_000 });
    const table = page.getByTestId('health-table');
    await table.getByText('Gateway').waitFor();
    assert.equal(await table.getByText('Unhealthy').count(), 0, 'a service is unhealthy');
    assert.ok((await table.getByText('Healthy', { exact: true }).count()) >= 6, 'expected six healthy services');
    await shot(page, 'overview-healthy');

    // 2b. The hosts page of a project without credentials says what to do first.
    await page.getByTestId('side-menu').getByRole('link', { name: 'Hosts' }).click();
    await page.waitForURL(/\/inventory\/hosts$/);
    await page.getByTestId('host-table').getByText(/create a credential first/).waitFor();
    await shot(page, 'hosts-empty-no-credential');

    // 3. A second page on the credentials list, following live events.
    const watcher = await newPage(admin);
    await watcher.goto('/inventory/credentials');
    await watcher.locator('[data-testid="live-status"][data-status="open"]').waitFor();
    await watcher.getByTestId('credential-table').waitFor();

    // 4. Create a password credential in project default; the list shows it, never its secret.
    await page.getByTestId('side-menu').getByRole('link', { name: 'Credentials' }).click();
    await page.waitForURL(/\/inventory\/credentials$/);
    assert.equal(await page.getByTestId('project-selector').innerText(), 'default');
    await page.getByTestId('credential-create').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill(credName);
    await dialog.getByLabel('Description').fill('made by the e2e journey');
    await dialog.getByLabel('SSH username').fill('root');
    await dialog.locator('#credential_password').fill(secret);
    await shot(page, 'credential-form');
    await page.getByTestId('credential-submit').click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByTestId('credential-table').getByRole('row', { name: new RegExp(credName) });
    await row.waitFor();
    assert.match(await row.innerText(), /Password stored/);
    assert.ok(!(await page.content()).includes(secret), 'the secret is shown back');
    await shot(page, 'credential-created');

    // 5. The watching page shows it without a reload (live, over SSE)...
    await watcher.getByTestId('credential-table').getByRole('row', { name: new RegExp(credName) }).waitFor();
    assert.ok(!(await watcher.content()).includes(secret), 'the secret reached the watching page');
    await shot(watcher, 'credential-live-ui');

    // ...and so does one created through the API in the background.
    const projects = await (await admin.request.get('/api/v1/projects')).json();
    const defaultProject = projects.items.find((p) => p.name === 'default');
    assert.ok(defaultProject, 'project default exists');
    const csrf = (await admin.cookies()).find((c) => c.name === 'ko_csrf')?.value;
    const created = await admin.request.post('/api/v1/credentials', {
      headers: { 'X-CSRF-Token': csrf },
      data: { project_id: defaultProject.id, name: liveName, username: 'ubuntu', auth_type: 'password', password: secret },
    });
    assert.equal(created.status(), 201, await created.text());
    await watcher.getByTestId('credential-table').getByRole('row', { name: new RegExp(liveName) }).waitFor();
    await shot(watcher, 'credential-live-api');
    await watcher.close();
    pages.delete(watcher);

    // 5b. Hosts: the empty state now offers to add one. The e2e stack has no lab hosts, so the add is
    // refused: nothing listens on the port, and the API's sentence lands on the SSH port field.
    await page.getByTestId('side-menu').getByRole('link', { name: 'Hosts' }).click();
    await page.waitForURL(/\/inventory\/hosts$/);
    await page.getByTestId('hosts-empty').getByText(/No hosts yet/).waitFor();
    await page.getByTestId('host-create').click();
    const hostDialog = page.getByRole('dialog');
    await hostDialog.getByLabel('Name', { exact: true }).fill(`e2e-host-${stamp}`);
    await hostDialog.getByLabel('IP address').fill('127.0.0.1');
    await hostDialog.getByLabel('SSH port').fill(String(await closedPort()));
    await hostDialog.getByLabel('Credential').click();
    await page.locator('.ant-select-item-option', { hasText: credName }).click();
    await page.getByTestId('host-submit').click();
    const portItem = hostDialog.locator('.ant-form-item', { has: page.getByLabel('SSH port') });
    await portItem.locator('.ant-form-item-explain-error', { hasText: /refused the connection/ }).waitFor();
    assert.equal(await hostDialog.getByTestId('form-error').count(), 0, 'the refusal is not on the port field');
    await shot(page, 'host-refused-on-port');
    await hostDialog.getByRole('button', { name: 'Cancel' }).click();
    await hostDialog.waitFor({ state: 'hidden' });
    await page.getByTestId('hosts-empty').waitFor();

    // 5c. Clusters: none yet, so the empty state points to the wizard (and to Hosts, since there are none);
    // the wizard offers the imported versions, or says to import an offline package first.
    await page.getByTestId('side-menu').getByRole('link', { name: 'Clusters' }).click();
    await page.waitForURL(/\/clusters$/);
    const clustersEmpty = page.getByTestId('clusters-empty');
    await clustersEmpty.getByText(/No clusters yet/).waitFor();
    await page.getByTestId('clusters-need-hosts').waitFor();
    await shot(page, 'clusters-empty');
    await clustersEmpty.getByRole('link', { name: /Create cluster/ }).click();
    await page.waitForURL(/\/clusters\/new$/);
    const versions = await (await admin.request.get('/api/v1/versions')).json();
    if (versions.items.length === 0) {
      await page.getByTestId('wizard-no-versions').getByText('Import a package first').waitFor();
    } else {
      await page.getByLabel('Version').click();
      await page.locator('.ant-select-item-option', { hasText: versions.items[0].kubernetes_version }).first().waitFor();
    }
    await shot(page, 'cluster-wizard');

    // 5d. Offline packages (empty), an IP pool and a region.
    await cloudSteps({ page, shot, stamp });

    // 6. Create a user on the users page...
    await page.getByTestId('side-menu').getByRole('link', { name: 'Users' }).click();
    await page.waitForURL(/\/admin\/users$/);
    await page.getByTestId('user-create').click();
    const userDialog = page.getByRole('dialog');
    await userDialog.getByLabel('Username').fill(readerName);
    await userDialog.getByLabel('Password').fill(readerPassword);
    await userDialog.getByLabel('Display name').fill('E2E Reader');
    await shot(page, 'user-form');
    await page.getByTestId('user-submit').click();
    await userDialog.waitFor({ state: 'hidden' });
    await page.getByTestId('user-table').getByRole('row', { name: new RegExp(readerName) }).waitFor();
    await shot(page, 'user-created');

    // ...and make them read-only in project default on its members page.
    await page.getByTestId('side-menu').getByRole('link', { name: 'Projects' }).click();
    await page.waitForURL(/\/admin\/projects$/);
    await page.getByTestId('members-default').click();
    await page.waitForURL(/\/members$/);
    await page.getByTestId('member-add').click();
    const memberDialog = page.getByRole('dialog');
    await memberDialog.getByLabel('User').fill(readerName);
    await page.locator('.ant-select-item-option', { hasText: readerName }).click();
    await shot(page, 'member-form');
    await page.getByTestId('member-submit').click();
    await memberDialog.waitFor({ state: 'hidden' });
    const memberRow = page.getByTestId('member-table').getByRole('row', { name: new RegExp(readerName) });
    await memberRow.waitFor();
    assert.match(await memberRow.innerText(), /Read-only/);
    await shot(page, 'member-added');

    // 7. The read-only user sees the credentials but no create, edit or delete action...
    const reader = await newContext();
    const readerPage = await newPage(reader);
    await readerPage.goto('/inventory/credentials');
    await readerPage.waitForURL(/\/login/);
    await readerPage.getByLabel('Username').fill(readerName);
    await readerPage.getByLabel('Password').fill(readerPassword);
    await readerPage.getByTestId('login-submit').click();
    await readerPage.waitForURL(/\/inventory\/credentials$/);
    await readerPage.getByTestId('credential-table').getByRole('row', { name: new RegExp(credName) }).waitFor();
    assert.equal(await readerPage.getByTestId('credential-create').count(), 0, 'read-only user has a create button');
    assert.equal(await readerPage.getByRole('button', { name: 'Delete' }).count(), 0, 'read-only user has delete buttons');
    assert.equal(await readerPage.getByRole('button', { name: 'Edit' }).count(), 0, 'read-only user has edit buttons');
    assert.equal(await readerPage.getByTestId('side-menu').getByText('Users').count(), 0, 'read-only user sees Users');
    assert.equal(await readerPage.getByTestId('side-menu').getByText('Audit log').count(), 0, 'read-only user sees the audit log');
    await shot(readerPage, 'readonly-credentials');
    await readerPage.getByTestId('side-menu').getByRole('link', { name: 'Hosts' }).click();
    await readerPage.waitForURL(/\/inventory\/hosts$/);
    await readerPage.getByTestId('host-table').getByText(/A project manager can add them/).waitFor();
    assert.equal(await readerPage.getByTestId('host-create').count(), 0, 'read-only user has an add-host button');
    assert.equal(await readerPage.getByTestId('host-import').count(), 0, 'read-only user has an import button');
    assert.equal(await readerPage.getByTestId('host-check-all').count(), 0, 'read-only user has a check button');
    await shot(readerPage, 'readonly-hosts');
    // ...no create (or delete) on the clusters pages, and the wizard says they may not plan one...
    await readerPage.getByTestId('side-menu').getByRole('link', { name: 'Clusters' }).click();
    await readerPage.waitForURL(/\/clusters$/);
    await readerPage.getByTestId('clusters-empty').getByText(/A project manager can create one/).waitFor();
    assert.equal(await readerPage.getByTestId('cluster-create').count(), 0, 'read-only user has a create-cluster button');
    await readerPage.goto('/clusters/new');
    await readerPage.getByTestId('wizard-not-allowed').waitFor();
    // ...and the overview's empty states say who can act, with no way to create.
    await readerPage.getByTestId('side-menu').getByRole('link', { name: 'Overview' }).click();
    await readerPage.waitForURL((url) => url.pathname === '/');
    await readerPage.getByTestId('overview-clusters-empty').getByText(/A project manager can create one/).waitFor();
    await readerPage.getByTestId('overview-hosts-empty').getByText(/A project manager can add them/).waitFor();
    assert.equal(await readerPage.getByRole('link', { name: /Create cluster/ }).count(), 0, 'read-only user can create a cluster');
    await shot(readerPage, 'readonly-overview');

    // ...and the API refuses them a write.
    const readerCsrf = (await reader.cookies()).find((c) => c.name === 'ko_csrf')?.value;
    const refused = await reader.request.post('/api/v1/credentials', {
      headers: { 'X-CSRF-Token': readerCsrf },
      data: { project_id: defaultProject.id, name: `e2e-denied-${stamp}`, username: 'root', auth_type: 'password', password: secret },
    });
    assert.equal(refused.status(), 403, `read-only POST answered ${refused.status()}: ${await refused.text()}`);
    console.log(`e2e: read-only POST /api/v1/credentials → 403 ${(await refused.json()).detail}`);
    const refusedCluster = await reader.request.post('/api/v1/clusters', {
      headers: { 'X-CSRF-Token': readerCsrf },
      data: { project_id: defaultProject.id, name: `e2e-denied-${stamp}`, version: '1.36.0', topology: 'single', nodes: [{ host_id: 'no-such-host', role: 'master' }] },
    });
    assert.equal(refusedCluster.status(), 403, `read-only POST /api/v1/clusters answered ${refusedCluster.status()}: ${await refusedCluster.text()}`);
    await reader.close();
    pages.delete(readerPage);

    // 8. An API token is shown once at creation, then listed by its prefix, and can be revoked.
    await page.getByTestId('side-menu').getByRole('link', { name: 'API tokens' }).click();
    await page.waitForURL(/\/admin\/tokens$/);
    await page.getByTestId('token-create').click();
    const tokenDialog = page.getByRole('dialog');
    await tokenDialog.getByLabel('Name').fill(`e2e-token-${stamp}`);
    await tokenDialog.getByRole('button', { name: 'Create' }).click();
    const tokenValue = (await page.getByTestId('token-value').innerText()).trim();
    assert.ok(tokenValue.length > 20, `token looks wrong: ${tokenValue}`);
    await shot(page, 'token-shown-once');
    const whoami = await admin.request.get('/api/v1/auth/me', { headers: { Authorization: `Bearer ${tokenValue}` } });
    assert.equal(whoami.status(), 200, 'the new token does not authenticate');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    const tokenRow = page.getByTestId('token-table').getByRole('row', { name: new RegExp(`e2e-token-${stamp}`) });
    await tokenRow.waitFor();
    assert.ok(!(await page.content()).includes(tokenValue), 'the token is shown again');
    await tokenRow.getByRole('button', { name: 'Revoke' }).click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: 'Revoke' }).click();
    await tokenRow.getByText('Revoked').waitFor();
    await shot(page, 'token-revoked');

    // 9. The audit log has the read-only user's refused write.
    await page.getByTestId('side-menu').getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL(/\/admin\/audit$/);
    await page.getByPlaceholder('Username').fill(readerName);
    await page.getByPlaceholder('Username').press('Enter');
    const refusal = page.getByTestId('audit-table').getByRole('row', { name: /POST \/api\/v1\/credentials/ });
    await refusal.first().waitFor();
    assert.match(await refusal.first().innerText(), /Failure · 403/);
    await shot(page, 'audit-log');

    // 10. Switch the language to Chinese.
    await page.getByTestId('side-menu').getByRole('link', { name: 'Credentials' }).click();
    await page.waitForURL(/\/inventory\/credentials$/);
    await page.getByTestId('language-switch').click();
    await page.getByTestId('language-zh-CN').click();
    await page.getByTestId('language-zh-CN').waitFor({ state: 'hidden' });
    await page.getByTestId('side-menu').getByText('概览').waitFor();
    await page.getByRole('button', { name: /新建凭据/ }).first().waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    await shot(page, 'chinese');

    // The choice survives a reload.
    await page.reload();
    await page.getByTestId('side-menu').getByText('凭据').waitFor();
    await shot(page, 'chinese-after-reload');
    await admin.close();
  } catch (error) {
    for (const [i, open] of [...pages].entries()) {
      if (!open.isClosed()) await open.screenshot({ path: join(artifacts, `failure-${i}.png`), fullPage: true }).catch(() => {});
    }
    throw error;
  }
}
