import { Space, Typography, type TableColumnType } from 'antd';
import type { Provider, Region } from '../regions/api';
import { ProviderTag } from './ProviderTag';

/** The name in bold, the description under it. */
export function nameColumn<T extends { description?: string | null }>(title: string): TableColumnType<T> {
  return {
    title,
    dataIndex: 'name',
    render: (name: string, item) => (
      <Space orientation="vertical" size={0}>
        <Typography.Text strong>{name}</Typography.Text>
        {item.description && <Typography.Text type="secondary">{item.description}</Typography.Text>}
      </Space>
    ),
  };
}

/** The region's name (its id while the regions load) and provider. */
export function regionColumn<T extends { provider: Provider }>(title: string, regions: Region[] | undefined): TableColumnType<T> {
  return {
    title,
    dataIndex: 'region_id',
    render: (id: string, item) => (
      <Space size={4}>
        <span>{regions?.find((r) => r.id === id)?.name ?? id}</span>
        <ProviderTag provider={item.provider} />
      </Space>
    ),
  };
}
