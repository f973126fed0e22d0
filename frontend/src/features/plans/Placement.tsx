import { Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { countByZone } from './placement';

/** Each master with its zone, and the workers counted per zone. */
export function Placement({ masters, workers, zoneName }: { masters: string[]; workers: string[]; zoneName: (id: string) => string }) {
  const { t } = useTranslation();
  return (
    <Space orientation="vertical" size={2} data-testid="plan-placement">
      <span>
        <Typography.Text type="secondary">{t('plans.placementMasters')}: </Typography.Text>
        {masters.map((zone, i) => (
          <Tag key={i} color="geekblue">
            {t('plans.master', { n: i + 1 })} → {zoneName(zone)}
          </Tag>
        ))}
      </span>
      <span>
        <Typography.Text type="secondary">{t('plans.placementWorkers')}: </Typography.Text>
        {workers.length === 0
          ? t('plans.noWorkers')
          : countByZone(workers).map(([zone, n]) => (
              <Tag key={zone}>
                {zoneName(zone)} × {n}
              </Tag>
            ))}
      </span>
    </Space>
  );
}
