// 集群证书页签（证书到期、检查与续期）的中文（展开到 zh.ts）。键必须与 certificates.en.ts 一致。
import type certificatesEn from './certificates.en';

const certificatesZh: typeof certificatesEn = {
  certificates: {
    node: '节点',
    path: '文件',
    subject: '主题',
    issuer: '签发者：{{issuer}}',
    expires: '到期时间',
    daysLeft: '剩余天数',
    expired: '已过期',
    ca: 'CA',
    notChecked: '尚未检查该集群的证书。',
    notCheckedHint: '“立即检查”会读取每个节点上每个证书的到期时间。',
    checkedAt: '检查于 {{time}}',
    expiring: '{{count}} 个证书将在 {{days}} 天内到期（或已过期）。',
    allValid: '没有证书在 {{days}} 天内到期。',
    check: '立即检查',
    renew: '续期',
    notRunning: '只有集群处于运行中时才能检查或续期证书。',
    busy: '该集群正在执行操作：请等待其完成或先取消。',
    checking: '正在读取 {{name}} 的证书。',
    renewTitle: '续期 {{name}} 的证书？',
    renewExplain:
      '续期 kubeadm 生成的证书：admin、controller-manager 和 scheduler 的 kubeconfig，以及 apiserver-kubelet-client 和 front-proxy-client。每次一个 master：重启其控制平面后再处理下一个，因此 API Server 可通过其他 master 继续访问（单 master 集群会短暂不可用）。保存的 admin kubeconfig 会被更新：完成后请重新下载。最后会再次检查证书。',
    renewNot: '不续期：证书颁发机构（CA）以及 API Server 和 etcd 的证书，它们由 KubeOperator 签发，有效期 100 年。',
    renewing: '正在续期 {{name}} 的证书，每次一个 master。',
    checked: '完成：已读取 {{cluster}} 的证书。',
    renewed: '完成：{{cluster}} 的证书已续期，admin kubeconfig 已更新。',
  },
};

export default certificatesZh;
