import { Select } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Region } from '../regions/api';

interface Props {
  regions: Region[] | undefined;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
}

export function RegionFilter({ regions, value, onChange }: Props) {
  const { t } = useTranslation();
  return (
    <Select<string>
      allowClear
      placeholder={t('zones.anyRegion')}
      style={{ width: 200 }}
      value={value}
      onChange={onChange}
      options={regions?.map((r) => ({ value: r.id, label: r.name }))}
    />
  );
}
