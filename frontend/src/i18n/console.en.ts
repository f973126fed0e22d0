// English strings of the overview's project cards and of deleting a cluster (spread into en.ts).
const consoleEn = {
  dashboard: {
    clusters: 'Clusters in {{project}}',
    clusterTotal: 'Clusters: {{count}}. By status:',
    noClusters: 'No clusters yet. Add hosts, import an offline package, then plan a cluster with the wizard.',
    noClustersReader: 'This project has no clusters yet. A project manager can create one.',
    hosts: 'Host health in {{project}}',
    hostTotal: 'Hosts: {{count}}. By the status of their last check:',
    partial: 'Split counted over the first {{count}}.',
    unchecked: 'Not checked yet',
    hostsAttention: 'Some hosts need attention: open Hosts to see why and check them again.',
    noHosts: 'No hosts yet. Create a credential (how to log in over SSH), then add your hosts.',
    noHostsReader: 'This project has no hosts yet. A project manager can add them.',
    operations: 'Recent operations in {{project}}',
    cluster: 'Cluster',
    clusterGone: 'Deleted cluster',
    by: 'Started by',
    noOperations: 'No operations yet: deploying, scaling or deleting a cluster starts one, and its progress shows here.',
  },
  clusterDelete: {
    action: 'Delete cluster {{name}}',
    title: 'Delete cluster {{name}}?',
    explain:
      'The hosts of {{name}} are reset first: Kubernetes, etcd, the container runtime and the load balancer are removed from them and they return to the inventory, free. Then the cluster is forgotten. You can follow the reset live. This cannot be undone.',
    force: 'Forget it without resetting its hosts (administrators only)',
    forceExplain:
      '{{name}} is forgotten at once and its hosts are released without being reset: use this only when its hosts are gone for good. Anything still on them stays there.',
    forceAdminOnly: 'If its hosts are gone for good, an administrator can forget the cluster without resetting them.',
    forget: 'Forget',
    typeName: 'Type {{name}} to confirm:',
    busy: 'An operation is running on this cluster: wait for it or cancel it first.',
    resetting: 'Resetting the hosts of {{name}}; the cluster goes when the reset succeeds.',
    forgotten: 'Cluster {{name}} is forgotten; its hosts are free.',
    resetDone: 'The hosts of {{name}} are reset and the cluster is deleted.',
    backToList: 'Back to clusters',
  },
};

export default consoleEn;
