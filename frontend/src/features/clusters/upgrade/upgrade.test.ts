import { describe, expect, test } from 'vitest';
import i18n from '../../../i18n';
import { offlinePackage } from '../../../test/fixtures';
import { phaseLabel } from '../format';
import { batchPercent, newerVersions, readyVersions, upgradePath } from './upgrade';

const available = ['1.34.2', '1.35.0', '1.35.4', '1.35.10', '1.36.1', '1.36.2', '1.38.0', '2.0.0'];

describe('the path the server takes (upgrade.py upgrade_path)', () => {
  test('one minor at a time through the newest patch of each minor between, then the target', () => {
    expect(upgradePath('1.34.2', '1.36.2', available)).toEqual({ ok: true, steps: ['1.35.10', '1.36.2'] });
    expect(upgradePath('1.35.0', '1.35.4', available)).toEqual({ ok: true, steps: ['1.35.4'] });
    expect(upgradePath('1.35.4', '1.36.1', available)).toEqual({ ok: true, steps: ['1.36.1'] });
  });

  test('refused like the server: a minor without a package, another major, not newer, not imported', () => {
    expect(upgradePath('1.36.2', '1.38.0', available)).toEqual({ ok: false, reason: 'gap', minor: '1.37' });
    expect(upgradePath('1.36.2', '2.0.0', available)).toEqual({ ok: false, reason: 'otherMajor' });
    expect(upgradePath('1.36.2', '1.36.1', available)).toEqual({ ok: false, reason: 'notNewer' });
    expect(upgradePath('1.36.2', '1.36.2', available)).toEqual({ ok: false, reason: 'notNewer' });
    expect(upgradePath('1.34.2', '1.35.7', available)).toEqual({ ok: false, reason: 'missing' });
    expect(upgradePath('1.34.2', 'latest', available)).toEqual({ ok: false, reason: 'invalid' });
  });

  test('the versions offered: ready packages of the cluster’s arch, newer than it, newest first, once each', () => {
    const packages = [
      offlinePackage({ kubernetes_version: '1.35.4' }),
      offlinePackage({ kubernetes_version: '1.36.2' }),
      offlinePackage({ kubernetes_version: '1.36.2', arch: 'arm64' }),
      offlinePackage({ kubernetes_version: '1.37.0', arch: 'arm64' }),
      offlinePackage({ kubernetes_version: '1.36.3', status: 'importing' }),
      offlinePackage({ kubernetes_version: '1.36.0-rc.1' }),
      offlinePackage({ kubernetes_version: '1.34.2' }),
    ];
    const ready = readyVersions(packages, 'amd64');
    expect(ready).toEqual(['1.36.2', '1.35.4', '1.34.2']);
    expect(newerVersions('1.34.2', ready)).toEqual(['1.36.2', '1.35.4']);
  });

  test('workers at once: empty is one at a time, else 1 to 100', () => {
    expect([null, undefined, 1, 25, 100, 0, 101, 2.5].map(batchPercent)).toEqual([null, null, 1, 25, 100, 'invalid', 'invalid', 'invalid']);
  });
});

describe('the upgrade’s phases, read in both languages', () => {
  const names = ['preflight-1.35.10', 'etcd-snapshot', 'packages-1.35.10', 'control-plane-1.35.10', 'workers-1.35.10', 'version-1.35.10', 'workers', 'base-system'];

  test('the prefix translated, the version kept; other phases as named', async () => {
    expect(names.map((n) => phaseLabel(i18n.t, n))).toEqual([
      'Preflight checks for 1.35.10',
      'etcd snapshot',
      'Packages of 1.35.10',
      'Control plane to 1.35.10',
      'Workers to 1.35.10',
      'Version 1.35.10 recorded',
      'workers',
      'base-system',
    ]);
    await i18n.changeLanguage('zh-CN');
    expect(names.slice(0, 6).map((n) => phaseLabel(i18n.t, n))).toEqual([
      '1.35.10 升级前检查',
      'etcd 快照',
      '1.35.10 软件包',
      '控制平面升级到 1.35.10',
      '工作节点升级到 1.35.10',
      '记录版本 1.35.10',
    ]);
  });
});
