import { Alert, Descriptions, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Operation } from '../api';
import { phaseLabel } from '../format';

type Failure = NonNullable<Operation['failure']>;

/** Why the operation failed: where (phase, host, task), the task's output, and what to do. */
export function ErrorPanel({ failure }: { failure: Failure }) {
  const { t } = useTranslation();
  return (
    <Alert
      type="error"
      showIcon
      data-testid="error-panel"
      title={failure.message}
      description={
        <>
          <Descriptions size="small" column={{ xs: 1, md: 3 }} style={{ marginTop: 8 }}>
            <Descriptions.Item label={t('operations.failure.phase')}>{phaseLabel(t, failure.phase)}</Descriptions.Item>
            <Descriptions.Item label={t('operations.failure.host')}>{failure.host ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('operations.failure.task')}>{failure.task ?? '—'}</Descriptions.Item>
          </Descriptions>
          {failure.excerpt && (
            <pre
              data-testid="error-excerpt"
              style={{ maxHeight: 240, overflow: 'auto', background: '#fff', padding: 8, borderRadius: 4, fontSize: 12, whiteSpace: 'pre-wrap' }}
            >
              {failure.excerpt}
            </pre>
          )}
          {failure.hint && (
            <Typography.Paragraph style={{ marginBottom: 0 }} data-testid="error-hint">
              <Typography.Text strong>{t('operations.failure.hint')}</Typography.Text> {failure.hint}
            </Typography.Paragraph>
          )}
        </>
      }
    />
  );
}
