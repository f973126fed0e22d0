import { Alert, Form, Modal, Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError } from '../../app/errors';
import { useMemberCandidates, useSetMember, type MemberRole } from './api';

interface Values {
  user_id: string;
  role: MemberRole;
}
const FIELDS = ['user_id', 'role'] as const;

/** For admins and the project's managers: candidates come from the project's own lookup. Mounted only while open. */
export function AddMember({ projectId, exclude, onClose }: { projectId: string; exclude: Set<string>; onClose: () => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [q, setQ] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const users = useMemberCandidates(projectId, q);
  const setMember = useSetMember(projectId);

  return (
    <Modal
      open
      title={t('members.addTitle')}
      okText={t('members.add')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'member-submit' }}
      confirmLoading={setMember.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} />}
      <Form
        form={form}
        layout="vertical"
        name="member"
        initialValues={{ role: 'read-only' }}
        onFinish={(v) => {
          setFormError(null);
          setMember.mutate(
            { userId: v.user_id, role: v.role },
            { onSuccess: onClose, onError: (error) => setFormError(applyApiError(form, error, FIELDS, t)) },
          );
        }}
      >
        <Form.Item name="user_id" label={t('members.user')} rules={[{ required: true, message: t('validation.required') }]}>
          <Select
            showSearch={{ filterOption: false, onSearch: setQ }}
            data-testid="member-user"
            loading={users.isFetching}
            placeholder={t('members.userPlaceholder')}
            notFoundContent={t('members.noUsers')}
            options={(users.data ?? [])
              .filter((u) => !exclude.has(u.user_id))
              .map((u) => ({ value: u.user_id, label: u.display_name ? `${u.username} (${u.display_name})` : u.username }))}
          />
        </Form.Item>
        <Form.Item name="role" label={t('members.role')} extra={t('members.roleHint')}>
          <Select
            data-testid="member-role"
            options={[
              { value: 'project-manager', label: t('roles.project-manager') },
              { value: 'read-only', label: t('roles.read-only') },
            ]}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
