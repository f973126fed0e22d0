import { Collapse, Form, Input, Typography } from 'antd';
import type { Rule } from 'antd/es/form';
import { useTranslation } from 'react-i18next';
import { ADVANCED_LABEL, BLOCKS, COMPONENTS, parseFlags, parseObject, type ParseError } from './advanced';

const HINT = {
  kubelet_config: 'wizard.advanced.kubeletHint',
  kube_proxy_config: 'wizard.advanced.kubeProxyHint',
  containerd_config: 'wizard.advanced.containerdHint',
} as const;
const PLACEHOLDER = {
  kubelet_config: '{"maxPods": 200}',
  kube_proxy_config: '{"conntrack": {"maxPerCore": 0}}',
  containerd_config: '{"plugins": {"io.containerd.cri.v1.runtime": {"enable_unprivileged_ports": true}}}',
} as const;

interface Props {
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

/**
 * The cluster spec's advanced settings, folded away: the kubelet, kube-proxy and containerd blocks
 * as JSON, the control plane's extra flags as name=value lines. Always mounted (forceRender), so the
 * API's errors can be put on its inputs while it is folded; the wizard opens it when they come.
 */
export function AdvancedSection({ open, onOpenChange }: Props) {
  const { t } = useTranslation();
  const problem = (e: ParseError) =>
    e.kind === 'badJson' ? t('wizard.advanced.badJson', { detail: e.detail }) : e.kind === 'notObject' ? t('wizard.advanced.notObject') : t('wizard.advanced.badFlag', { line: e.line });
  const rule = (parse: typeof parseObject | typeof parseFlags): Rule => ({
    validator: (_, value: string | undefined) => {
      const r = parse(value);
      return 'error' in r ? Promise.reject(new Error(problem(r.error))) : Promise.resolve();
    },
  });
  const jsonRule = rule(parseObject);
  const flagsRule = rule(parseFlags);
  const mono = { fontFamily: 'monospace' };
  return (
    <Collapse
      size="small"
      activeKey={open ? ['advanced'] : []}
      onChange={(keys) => onOpenChange((Array.isArray(keys) ? keys : [keys]).includes('advanced'))}
      data-testid="wizard-advanced"
      items={[
        {
          key: 'advanced',
          forceRender: true,
          label: t('wizard.advanced.title'),
          children: (
            <div>
              <Typography.Paragraph type="secondary">{t('wizard.advanced.hint')}</Typography.Paragraph>
              {BLOCKS.map((b) => (
                <Form.Item key={b} name={['advanced', b]} label={t(ADVANCED_LABEL[b])} extra={t(HINT[b])} rules={[jsonRule]}>
                  <Input.TextArea rows={3} placeholder={PLACEHOLDER[b]} style={mono} data-testid={`advanced-input-${b}`} />
                </Form.Item>
              ))}
              {COMPONENTS.map((c) => (
                <Form.Item
                  key={c}
                  name={['advanced', 'control_plane_args', c]}
                  label={t(ADVANCED_LABEL[c])}
                  extra={t('wizard.advanced.flagsHint')}
                  rules={[flagsRule]}
                >
                  <Input.TextArea rows={2} placeholder="audit-log-maxage=30" style={mono} data-testid={`advanced-input-${c}`} />
                </Form.Item>
              ))}
            </div>
          ),
        },
      ]}
    />
  );
}
