import { Alert, Descriptions, Drawer, Select, Space, Spin, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormatTime } from '../../app/format';
import { QueryError } from '../../app/QueryError';
import { formatBytes } from '../hosts/facts';
import { ARTIFACT_KINDS, usePackage, type Artifact } from './api';
import { PackageStatusTag } from './StatusTag';

/** A package's manifest: its components and every artifact with its checksum. */
export function Contents({ packageId, onClose }: { packageId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const formatTime = useFormatTime();
  const query = usePackage(packageId);
  const pkg = query.data;
  const [kind, setKind] = useState<Artifact['kind'] | undefined>();
  const artifacts = (pkg?.artifacts ?? []).filter((a) => !kind || a.kind === kind);
  const components = Object.entries(pkg?.components ?? {}).map(([name, version]) => ({ name, version }));

  return (
    <Drawer
      open
      size={960}
      title={pkg ? t('packages.contentsTitle', { version: pkg.kubernetes_version, arch: pkg.arch }) : ' '}
      onClose={onClose}
      data-testid="package-contents"
    >
      {query.isError ? (
        <QueryError error={query.error} />
      ) : !pkg ? (
        <Spin style={{ display: 'block', marginTop: 64 }} />
      ) : (
        <Space orientation="vertical" size="large" style={{ width: '100%' }}>
          {pkg.status === 'failed' && pkg.error && (
            <Alert type="error" showIcon title={t('packages.status.failed')} description={<pre style={{ whiteSpace: 'pre-wrap', margin: 0, fontFamily: 'inherit' }}>{pkg.error}</pre>} />
          )}
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('packages.statusCol')}>
              <PackageStatusTag pkg={pkg} />
            </Descriptions.Item>
            {pkg.manifest.description && <Descriptions.Item label={t('packages.description')}>{pkg.manifest.description}</Descriptions.Item>}
            <Descriptions.Item label={t('packages.size')}>{formatBytes(pkg.size)}</Descriptions.Item>
            <Descriptions.Item label={t('packages.sourceCol')}>
              <Typography.Text code>{pkg.source}</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('packages.importedAt')}>
              {formatTime(pkg.imported_at ?? pkg.created_at)} · {pkg.imported_by}
            </Descriptions.Item>
            {pkg.url && (
              <Descriptions.Item label={t('packages.url')}>
                <Typography.Text copyable>{pkg.url}</Typography.Text>
              </Descriptions.Item>
            )}
            {pkg.apt_source && (
              <Descriptions.Item label={t('packages.aptSource')}>
                <Typography.Text code copyable>
                  {pkg.apt_source}
                </Typography.Text>
              </Descriptions.Item>
            )}
          </Descriptions>
          <div>
            <Typography.Title level={5}>{t('packages.components')}</Typography.Title>
            <Table
              size="small"
              rowKey="name"
              pagination={false}
              dataSource={components}
              data-testid="package-components"
              columns={[
                { title: t('packages.component'), dataIndex: 'name' },
                { title: t('packages.version'), dataIndex: 'version', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
              ]}
            />
          </div>
          <div>
            <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 8 }}>
              <Typography.Title level={5} style={{ margin: 0 }}>
                {t('packages.artifacts')} ({artifacts.length})
              </Typography.Title>
              <Select<Artifact['kind']>
                allowClear
                placeholder={t('packages.anyKind')}
                style={{ width: 160 }}
                value={kind}
                onChange={setKind}
                options={ARTIFACT_KINDS.map((k) => ({ value: k, label: t(`packages.kinds.${k}`) }))}
                data-testid="artifact-kind-filter"
              />
            </Space>
            <Table<Artifact>
              size="small"
              rowKey="path"
              dataSource={artifacts}
              pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
              data-testid="package-artifacts"
              columns={[
                { title: t('packages.kind'), dataIndex: 'kind', width: 90, render: (k: Artifact['kind']) => t(`packages.kinds.${k}`) },
                { title: t('packages.name'), dataIndex: 'name' },
                { title: t('packages.version'), dataIndex: 'version' },
                { title: t('packages.arch'), dataIndex: 'arch', width: 80 },
                { title: t('packages.path'), dataIndex: 'path', render: (p: string) => <Typography.Text code>{p}</Typography.Text> },
                { title: t('packages.size'), dataIndex: 'size', width: 90, render: (s: number) => formatBytes(s) },
                {
                  title: t('packages.sha256'),
                  dataIndex: 'sha256',
                  render: (sha: string) => (
                    <Typography.Text code copyable={{ text: sha }} title={sha}>
                      {`${sha.slice(0, 12)}…`}
                    </Typography.Text>
                  ),
                },
              ]}
            />
          </div>
        </Space>
      )}
    </Drawer>
  );
}
