import { ArrowRightOutlined, CloudUploadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Form, InputNumber, Modal, Radio, Space, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { ApiError } from '../../../api';
import { useMe } from '../../../app/auth';
import { describeError } from '../../../app/errors';
import { usePackages } from '../../packages/api';
import { useUpgradeCluster, type Cluster } from '../api';
import { workersBlocked } from '../workers/workers';
import { batchPercent, newerVersions, readyVersions, upgradePath, type UpgradePath } from './upgrade';

type Props = { cluster: Pick<Cluster, 'id' | 'name' | 'project_id' | 'status' | 'operation' | 'version' | 'arch'> };

/** "Upgrade" in the cluster's header: the same people and gating as the node actions (the reason in a tooltip). */
export function UpgradeCluster({ cluster }: Props) {
  const { t } = useTranslation();
  const me = useMe().data;
  const [open, setOpen] = useState(false);
  const blocked = workersBlocked(me, cluster);
  if (blocked === 'readOnly') return null;
  const button = (
    <Button icon={<CloudUploadOutlined />} disabled={!!blocked} onClick={() => setOpen(true)} data-testid="cluster-upgrade">
      {t('upgrade.action')}
    </Button>
  );
  return (
    <>
      {blocked ? <Tooltip title={t(`upgrade.${blocked}`)}>{button}</Tooltip> : button}
      {open && <UpgradeDialog cluster={cluster} onClose={() => setOpen(false)} />}
    </>
  );
}

interface Problems {
  version: string[];
  batch: string[];
  banner: string[];
}
const NONE: Problems = { version: [], batch: [], banner: [] };

/** The API's refusal where it belongs: `version` under the versions, the percentage under its field, the rest above. */
function place(error: unknown, describe: (e: unknown) => string): Problems {
  const fields = error instanceof ApiError && error.status === 422 ? error.fieldErrors() : [];
  if (!fields.length) return { ...NONE, banner: [describe(error)] };
  const out: Problems = { version: [], batch: [], banner: [] };
  for (const { field, message } of fields) {
    const name = field.replace(/^body\./, '');
    if (name === 'version') out.version.push(message);
    else if (name === 'worker_batch_percent') out.batch.push(message);
    else out.banner.push(field ? `${field}: ${message}` : message);
  }
  return out;
}

/**
 * The versions of the ready packages of the cluster's architecture newer than its own, the path the
 * server will take to the chosen one (one minor at a time), how many workers go at once, and the
 * warning (an etcd snapshot first; workers drained). 202 opens the live operation.
 */
export function UpgradeDialog({ cluster, onClose }: Props & { onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const packages = usePackages({ status: 'ready', limit: 200, offset: 0 });
  const upgrade = useUpgradeCluster();
  const [version, setVersion] = useState<string | null>(null);
  const [batch, setBatch] = useState<number | null>(null);
  const [problems, setProblems] = useState<Problems>(NONE);

  const available = readyVersions(packages.data?.items ?? [], cluster.arch);
  const offered = newerVersions(cluster.version, available);
  const paths = new Map<string, UpgradePath>(offered.map((v) => [v, upgradePath(cluster.version, v, available)]));
  const path = version ? paths.get(version) : undefined;
  const percent = batchPercent(batch);

  // Versions the server would refuse for sure are shown, not offered, with why.
  const why = (p: UpgradePath | undefined) => (!p || p.ok ? null : p.reason === 'gap' ? t('upgrade.gap', { minor: p.minor }) : t('upgrade.otherMajor'));

  const submit = () => {
    if (!version || !path?.ok || percent === 'invalid') return;
    setProblems(NONE);
    upgrade.mutate(
      { id: cluster.id, body: { version, worker_batch_percent: percent } },
      {
        onSuccess: (result) => {
          onClose();
          void message.success(t('upgrade.upgrading', { name: cluster.name, version }));
          if (result.operation) void navigate(`/clusters/${cluster.id}/operations/${result.operation.id}`);
        },
        onError: (e) => setProblems(place(e, (x) => describeError(t, x))),
      },
    );
  };

  const batchHelp = percent === 'invalid' ? [t('upgrade.batchRange')] : problems.batch;
  return (
    <Modal
      open
      width={720}
      title={t('upgrade.title', { name: cluster.name })}
      okText={t('upgrade.submit')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, disabled: !path?.ok || percent === 'invalid', 'data-testid': 'upgrade-submit' }}
      confirmLoading={upgrade.isPending}
      onOk={submit}
      onCancel={onClose}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        {problems.banner.map((e) => (
          <Alert key={e} type="error" showIcon title={e} data-testid="upgrade-error" />
        ))}
        <Typography.Text>{t('upgrade.current', { version: cluster.version, arch: cluster.arch })}</Typography.Text>
        <Form layout="vertical" component="div">
          <Form.Item
            label={t('upgrade.version')}
            extra={t('upgrade.versionHint', { version: cluster.version, arch: cluster.arch })}
            validateStatus={problems.version.length ? 'error' : undefined}
            help={problems.version.length ? <span data-testid="upgrade-version-error">{problems.version.join(' ')}</span> : undefined}
          >
            {!packages.isLoading && !offered.length ? (
              <Typography.Text type="secondary" data-testid="upgrade-no-versions">
                {t('upgrade.noVersions', { version: cluster.version, arch: cluster.arch })}{' '}
                <Link to="/admin/offline-packages">{t('nav.packages')}</Link>
              </Typography.Text>
            ) : (
              <Radio.Group
                value={version}
                onChange={(e) => {
                  setVersion(e.target.value as string);
                  setProblems((p) => ({ ...p, version: [] }));
                }}
                aria-label={t('upgrade.version')}
                data-testid="upgrade-versions"
              >
                <Space orientation="vertical" size={4}>
                  {offered.map((v) => (
                    <Radio key={v} value={v} disabled={!paths.get(v)?.ok} data-testid={`upgrade-version-${v}`}>
                      {v}
                      {why(paths.get(v)) && (
                        <Typography.Text type="secondary" style={{ marginLeft: 8 }}>
                          {why(paths.get(v))}
                        </Typography.Text>
                      )}
                    </Radio>
                  ))}
                </Space>
              </Radio.Group>
            )}
          </Form.Item>
          {path?.ok && (
            <Form.Item label={t('upgrade.path')} extra={t('upgrade.pathExplain')}>
              <Space wrap size={4} data-testid="upgrade-path">
                  <Tag>{cluster.version}</Tag>
                  {path.steps.map((step, i) => (
                    <Space key={step} size={4}>
                      <ArrowRightOutlined />
                      <Tag color="blue" title={t('upgrade.step', { n: i + 1, version: step })} data-testid="upgrade-step">
                        {step}
                      </Tag>
                    </Space>
                  ))}
                </Space>
            </Form.Item>
          )}
          <Form.Item
            label={t('upgrade.batch')}
            extra={t('upgrade.batchHint')}
            validateStatus={batchHelp.length ? 'error' : undefined}
            help={batchHelp.length ? batchHelp.join(' ') : undefined}
          >
            <InputNumber
              value={batch}
              onChange={(v) => {
                setBatch(v);
                setProblems((p) => ({ ...p, batch: [] }));
              }}
              min={1}
              max={100}
              precision={0}
              style={{ width: 120 }}
              aria-label={t('upgrade.batch')}
              data-testid="upgrade-batch"
            />
          </Form.Item>
        </Form>
        <Alert type="warning" showIcon title={t('upgrade.warning')} data-testid="upgrade-warning" />
      </Space>
    </Modal>
  );
}
