// English strings of a cluster's certificates tab: their expiry, a check and a renewal (spread into en.ts).
const certificatesEn = {
  certificates: {
    node: 'Node',
    path: 'File',
    subject: 'Subject',
    issuer: 'Issuer: {{issuer}}',
    expires: 'Expires',
    daysLeft: 'Days left',
    expired: 'Expired',
    ca: 'CA',
    notChecked: 'The certificates of this cluster have not been checked yet.',
    notCheckedHint: 'Check now reads the expiry of every certificate on every node.',
    checkedAt: 'Checked {{time}}',
    expiring: '{{count}} expire within {{days}} days (or have expired).',
    allValid: 'None expires within {{days}} days.',
    check: 'Check now',
    renew: 'Renew',
    notRunning: 'Certificates are checked and renewed only while the cluster is running.',
    busy: 'An operation is running on this cluster: wait for it or cancel it first.',
    checking: 'Reading the certificates of {{name}}.',
    renewTitle: 'Renew the certificates of {{name}}?',
    renewExplain:
      'Renews the certificates kubeadm made: the admin, controller-manager and scheduler kubeconfigs, apiserver-kubelet-client and front-proxy-client. One master at a time: its control plane is restarted before the next, so the API server stays reachable through the others (a single master is briefly unavailable). The stored admin kubeconfig is refreshed: download it again afterwards. The certificates are checked again at the end.',
    renewNot:
      'Not renewed: the certificate authorities and the API server and etcd certificates, which KubeOperator made to last 100 years.',
    renewing: 'Renewing the certificates of {{name}}, one master at a time.',
    checked: 'Done: the certificates of {{cluster}} were read.',
    renewed: 'Done: the certificates of {{cluster}} were renewed and the admin kubeconfig refreshed.',
  },
};

export default certificatesEn;
