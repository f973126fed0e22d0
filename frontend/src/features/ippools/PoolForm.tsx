import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Form, Input, Select, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { FormDialog, NameFields } from '../cloud/FormDialog';
import type { ResourceFormProps } from '../cloud/ResourcePage';
import { useFormDialog } from '../cloud/useFormDialog';
import { useCreateIpPool, useUpdateIpPool, type IpPool } from './api';

interface Values {
  name: string;
  description?: string;
  subnet: string;
  gateway: string;
  dns: string[];
  ranges: { start: string; end: string }[];
}

const FIELDS = ['name', 'description', 'subnet', 'gateway', 'dns', 'ranges', 'ranges[].start', 'ranges[].end'];

export function PoolForm({ projectId, item: pool, onClose, onSaved }: ResourceFormProps<IpPool>) {
  const { t } = useTranslation();
  const { submitting, dialog } = useFormDialog<Values, IpPool>(FIELDS, onClose, onSaved);
  const create = useCreateIpPool();
  const update = useUpdateIpPool();
  const pending = create.isPending || update.isPending;

  const initialValues: Partial<Values> = pool
    ? { name: pool.name, description: pool.description, subnet: pool.subnet, gateway: pool.gateway, dns: pool.dns, ranges: pool.ranges }
    : { dns: [], ranges: [{ start: '', end: '' }] };

  const onFinish = (values: Values) => {
    const callbacks = submitting();
    const body = {
      name: values.name.trim(),
      description: values.description ?? '',
      subnet: values.subnet.trim(),
      gateway: values.gateway.trim(),
      dns: (values.dns ?? []).map((d) => d.trim()).filter(Boolean),
      ranges: values.ranges.map((r) => ({ start: r.start.trim(), end: r.end.trim() })),
    };
    if (pool) update.mutate({ id: pool.id, body }, callbacks);
    else create.mutate({ ...body, project_id: projectId }, callbacks);
  };

  const required = { required: true, message: t('validation.required') };
  return (
    <FormDialog {...dialog} texts="ipPools" kind="pool" item={pool} width={620} pending={pending} initialValues={initialValues} onFinish={onFinish}>
      <NameFields />
      <Space align="start" wrap>
        <Form.Item name="subnet" label={t('ipPools.subnet')} extra={t('ipPools.subnetHint')} rules={[required]} style={{ width: 260 }}>
          <Input maxLength={64} placeholder="10.10.0.0/24" />
        </Form.Item>
        <Form.Item name="gateway" label={t('ipPools.gateway')} extra={t('ipPools.gatewayHint')} rules={[required]} style={{ width: 260 }}>
          <Input maxLength={64} placeholder="10.10.0.1" />
        </Form.Item>
      </Space>
      <Form.Item name="dns" label={t('ipPools.dns')} extra={t('ipPools.dnsHint')}>
        <Select mode="tags" maxCount={3} open={false} tokenSeparators={[',', ' ']} suffix={null} />
      </Form.Item>
      <Form.Item label={t('ipPools.ranges')} extra={t('ipPools.rangesHint')} required>
        <Form.List name="ranges">
          {(items, { add, remove }) => (
            <>
              {items.map(({ key, name }, i) => (
                <Space key={key} align="start" data-testid={`pool-range-${i}`}>
                  <Form.Item name={[name, 'start']} rules={[required]} style={{ width: 220, marginBottom: 8 }}>
                    <Input maxLength={64} placeholder={t('ipPools.rangeStart')} aria-label={`${t('ipPools.rangeStart')} ${i + 1}`} />
                  </Form.Item>
                  <span style={{ lineHeight: '32px' }}>–</span>
                  <Form.Item name={[name, 'end']} rules={[required]} style={{ width: 220, marginBottom: 8 }}>
                    <Input maxLength={64} placeholder={t('ipPools.rangeEnd')} aria-label={`${t('ipPools.rangeEnd')} ${i + 1}`} />
                  </Form.Item>
                  {items.length > 1 && (
                    <Button type="text" icon={<MinusCircleOutlined />} aria-label={t('ipPools.removeRange')} onClick={() => remove(name)} />
                  )}
                </Space>
              ))}
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ start: '', end: '' })} disabled={items.length >= 64}>
                {t('ipPools.addRange')}
              </Button>
            </>
          )}
        </Form.List>
      </Form.Item>
    </FormDialog>
  );
}
