import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input, Modal, Select, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError } from '../../app/errors';
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

// Mounted only while open, so each opening starts from a clean form.
interface Props {
  projectId: string;
  pool?: IpPool;
  onClose: () => void;
  onSaved?: (pool: IpPool) => void;
}

export function PoolForm({ projectId, pool, onClose, onSaved }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const create = useCreateIpPool();
  const update = useUpdateIpPool();
  const editing = !!pool;
  const pending = create.isPending || update.isPending;

  const initialValues: Partial<Values> = pool
    ? { name: pool.name, description: pool.description, subnet: pool.subnet, gateway: pool.gateway, dns: pool.dns, ranges: pool.ranges }
    : { dns: [], ranges: [{ start: '', end: '' }] };

  const onFinish = (values: Values) => {
    setFormError(null);
    const onError = (error: unknown) => setFormError(applyApiError(form, error, FIELDS, t));
    const onSuccess = (saved: IpPool) => {
      onSaved?.(saved);
      onClose();
    };
    const body = {
      name: values.name.trim(),
      description: values.description ?? '',
      subnet: values.subnet.trim(),
      gateway: values.gateway.trim(),
      dns: (values.dns ?? []).map((d) => d.trim()).filter(Boolean),
      ranges: values.ranges.map((r) => ({ start: r.start.trim(), end: r.end.trim() })),
    };
    if (pool) update.mutate({ id: pool.id, body }, { onSuccess, onError });
    else create.mutate({ ...body, project_id: projectId }, { onSuccess, onError });
  };

  const required = { required: true, message: t('validation.required') };
  return (
    <Modal
      open
      width={620}
      title={editing ? t('ipPools.editTitle', { name: pool.name }) : t('ipPools.createTitle')}
      okText={editing ? t('common.save') : t('common.create')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'pool-submit' }}
      confirmLoading={pending}
      onOk={() => form.submit()}
      onCancel={onClose}
      mask={{ closable: !pending }}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} autoComplete="off" name="pool" initialValues={initialValues} disabled={pending}>
        <Form.Item name="name" label={t('cloud.name')} extra={t('cloud.nameHint')} rules={[required]}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="description" label={t('common.description')}>
          <Input.TextArea rows={2} maxLength={512} />
        </Form.Item>
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
      </Form>
    </Modal>
  );
}
