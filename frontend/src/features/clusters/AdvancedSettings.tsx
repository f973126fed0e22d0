import { Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ADVANCED_LABEL, advancedParts, type AdvancedSpec } from './create/advanced';

/** A cluster spec's advanced settings, the parts given only (the review and the cluster's detail). */
export function AdvancedSettings({ advanced }: { advanced: Partial<AdvancedSpec> | undefined | null }) {
  const { t } = useTranslation();
  const parts = advancedParts(advanced);
  if (!parts.length) return <Typography.Text type="secondary">{t('wizard.advanced.none')}</Typography.Text>;
  return (
    <Space orientation="vertical" size="small" style={{ width: '100%' }} data-testid="advanced-settings">
      {parts.map((p) => (
        <div key={p.key} data-testid={`advanced-${p.key}`}>
          <Typography.Text strong>{t(ADVANCED_LABEL[p.key])}</Typography.Text>
          <pre style={{ margin: 0, maxHeight: 240, overflow: 'auto' }}>{p.text}</pre>
        </div>
      ))}
    </Space>
  );
}
