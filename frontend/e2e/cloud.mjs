// Journey steps for Offline packages and for IP pools and regions. Nothing here allocates an address:
// allocation probes the network, creation does not. 192.0.2.0/24 is a documentation range (RFC 5737).
import { strict as assert } from 'node:assert';

export async function cloudSteps({ page, shot, stamp }) {
  const menu = page.getByTestId('side-menu');

  // Offline packages: none imported in this stack, so the empty state says to import one;
  // the import dialog explains that the path is on the server, and how to build a package.
  await menu.getByRole('link', { name: 'Offline packages' }).click();
  await page.waitForURL(/\/admin\/offline-packages$/);
  await page.getByTestId('packages-empty').getByText(/No offline package yet\. Import one/).waitFor();
  await shot(page, 'packages-empty');
  await page.getByTestId('package-import').click();
  const importDialog = page.getByRole('dialog');
  await importDialog.getByText('How to build a package').click();
  await importDialog.getByText(/python -m ko_deployment\.packages build/).waitFor();
  await shot(page, 'package-import-dialog');
  await importDialog.getByRole('button', { name: 'Cancel' }).click();
  await importDialog.waitFor({ state: 'hidden' });

  // An IP pool on a documentation range.
  const poolName = `e2e-pool-${stamp}`;
  await menu.getByRole('link', { name: 'IP pools' }).click();
  await page.waitForURL(/\/inventory\/ip-pools$/);
  await page.getByTestId('pools-empty').waitFor();
  await page.getByTestId('pool-create').click();
  const poolDialog = page.getByRole('dialog');
  await poolDialog.getByLabel('Name', { exact: true }).fill(poolName);
  await poolDialog.getByLabel('Subnet').fill('192.0.2.0/24');
  await poolDialog.getByLabel('Gateway').fill('192.0.2.1');
  await poolDialog.getByLabel('First address 1').fill('192.0.2.10');
  await poolDialog.getByLabel('Last address 1').fill('192.0.2.99');
  await shot(page, 'ip-pool-form');
  await page.getByTestId('pool-submit').click();
  await poolDialog.waitFor({ state: 'hidden' });
  const poolRow = page.getByTestId('pool-table').getByRole('row', { name: new RegExp(poolName) });
  await poolRow.waitFor();
  assert.match(await poolRow.innerText(), /0 allocated · 0 in use · 90 free of 90/);
  await page.getByTestId(`pool-open-${poolName}`).click();
  const drawer = page.getByTestId('pool-addresses');
  await drawer.getByText('192.0.2.10', { exact: true }).waitFor();
  await shot(page, 'ip-pool-addresses');
  await drawer.getByRole('button', { name: 'Close' }).click();
  await drawer.waitFor({ state: 'hidden' });

  // A vSphere region: the password is stored, never shown back.
  const regionName = `e2e-region-${stamp}`;
  const password = `Vc-${stamp}-pw`;
  await menu.getByRole('link', { name: 'Regions' }).click();
  await page.waitForURL(/\/inventory\/regions$/);
  await page.getByTestId('regions-empty').waitFor();
  await page.getByTestId('region-create').click();
  const regionDialog = page.getByRole('dialog');
  await regionDialog.getByLabel('Name', { exact: true }).fill(regionName);
  await regionDialog.getByLabel('vCenter URL').fill('https://vcenter.example.invalid');
  await regionDialog.getByLabel('Datacenter').fill('DC1');
  await regionDialog.getByLabel('API user').fill('administrator@vsphere.local');
  await regionDialog.getByLabel('API password').fill(password);
  await shot(page, 'region-form');
  await page.getByTestId('region-submit').click();
  await regionDialog.waitFor({ state: 'hidden' });
  const regionRow = page.getByTestId('region-table').getByRole('row', { name: new RegExp(regionName) });
  await regionRow.waitFor();
  assert.match(await regionRow.innerText(), /Password stored/);
  assert.ok(!(await page.content()).includes(password), 'the region password is shown back');
  await shot(page, 'region-created');
}
