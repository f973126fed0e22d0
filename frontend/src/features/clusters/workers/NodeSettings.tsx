import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Card, Input, Select, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { EFFECTS, type Effect, type HostErrors, type WorkerDraft } from './workers';

interface Props {
  name: string;
  draft: WorkerDraft;
  errors?: HostErrors;
  onChange: (draft: WorkerDraft) => void;
  /** Offered when more than one host is chosen: their nodes get this one's labels and taints too. */
  onCopyToAll?: () => void;
}

function Errors({ texts, testId }: { texts: string[] | undefined; testId: string }) {
  return (texts ?? []).map((e) => (
    <Typography.Text type="danger" key={`${testId}:${e}`} data-testid={testId} style={{ display: 'block' }}>
      {e}
    </Typography.Text>
  ));
}

/** The labels (key = value rows) and taints (key, value, effect rows) one new node gets, each row with its own errors. */
export function NodeSettings({ name, draft, errors, onChange, onCopyToAll }: Props) {
  const { t } = useTranslation();
  const setLabel = (i: number, part: 'key' | 'value', v: string) =>
    onChange({ ...draft, labels: draft.labels.map((r, j) => (j === i ? { ...r, [part]: v } : r)) });
  const setTaint = (i: number, part: 'key' | 'value' | 'effect', v: string) =>
    onChange({ ...draft, taints: draft.taints.map((r, j) => (j === i ? { ...r, [part]: v } : r)) });

  return (
    <Card
      size="small"
      title={t('workers.nodeOf', { name })}
      data-testid={`worker-settings-${name}`}
      extra={
        onCopyToAll && (
          <Button size="small" type="link" onClick={onCopyToAll} data-testid={`worker-copy-${name}`}>
            {t('workers.copyToAll')}
          </Button>
        )
      }
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Text strong>{t('workers.labels')}</Typography.Text>
        <Typography.Text type="secondary">{t('workers.labelsHint')}</Typography.Text>
        <Errors texts={errors?.labels} testId={`labels-error-${name}`} />
        {draft.labels.map((r, i) => (
          <div key={`label-${i}`}>
            <Space.Compact style={{ width: '100%' }}>
              <Input
                value={r.key}
                placeholder="example.com/rack"
                aria-label={`${t('workers.labels')} ${i + 1}: ${t('workers.key')}`}
                status={errors?.labelRows[i] ? 'error' : undefined}
                onChange={(e) => setLabel(i, 'key', e.target.value)}
                data-testid={`label-key-${name}-${i}`}
              />
              <Input
                value={r.value}
                placeholder="r1"
                aria-label={`${t('workers.labels')} ${i + 1}: ${t('workers.value')}`}
                status={errors?.labelRows[i] ? 'error' : undefined}
                onChange={(e) => setLabel(i, 'value', e.target.value)}
                data-testid={`label-value-${name}-${i}`}
              />
              <Button
                icon={<DeleteOutlined />}
                aria-label={t('workers.removeRow')}
                onClick={() => onChange({ ...draft, labels: draft.labels.filter((_, j) => j !== i) })}
              />
            </Space.Compact>
            <Errors texts={errors?.labelRows[i]} testId={`label-error-${name}-${i}`} />
          </div>
        ))}
        <Button
          size="small"
          icon={<PlusOutlined />}
          onClick={() => onChange({ ...draft, labels: [...draft.labels, { key: '', value: '' }] })}
          data-testid={`label-add-${name}`}
        >
          {t('workers.addLabel')}
        </Button>

        <Typography.Text strong>{t('workers.taints')}</Typography.Text>
        <Typography.Text type="secondary">{t('workers.taintsHint')}</Typography.Text>
        <Errors texts={errors?.taints} testId={`taints-error-${name}`} />
        {draft.taints.map((r, i) => (
          <div key={`taint-${i}`}>
            <Space.Compact style={{ width: '100%' }}>
              <Input
                value={r.key}
                placeholder="example.com/gpu"
                aria-label={`${t('workers.taints')} ${i + 1}: ${t('workers.key')}`}
                status={errors?.taintRows[i] ? 'error' : undefined}
                onChange={(e) => setTaint(i, 'key', e.target.value)}
                data-testid={`taint-key-${name}-${i}`}
              />
              <Input
                value={r.value}
                placeholder={t('workers.value')}
                aria-label={`${t('workers.taints')} ${i + 1}: ${t('workers.value')}`}
                status={errors?.taintRows[i] ? 'error' : undefined}
                onChange={(e) => setTaint(i, 'value', e.target.value)}
                data-testid={`taint-value-${name}-${i}`}
              />
              <Select<Effect>
                value={r.effect}
                style={{ minWidth: 170 }}
                aria-label={`${t('workers.taints')} ${i + 1}: ${t('workers.effect')}`}
                options={EFFECTS.map((e) => ({ value: e, label: e }))}
                onChange={(v) => setTaint(i, 'effect', v)}
                data-testid={`taint-effect-${name}-${i}`}
              />
              <Button
                icon={<DeleteOutlined />}
                aria-label={t('workers.removeRow')}
                onClick={() => onChange({ ...draft, taints: draft.taints.filter((_, j) => j !== i) })}
              />
            </Space.Compact>
            <Errors texts={errors?.taintRows[i]} testId={`taint-error-${name}-${i}`} />
          </div>
        ))}
        <Button
          size="small"
          icon={<PlusOutlined />}
          onClick={() => onChange({ ...draft, taints: [...draft.taints, { key: '', value: '', effect: 'NoSchedule' }] })}
          data-testid={`taint-add-${name}`}
        >
          {t('workers.addTaint')}
        </Button>
      </Space>
    </Card>
  );
}
