// English strings of adding and removing the masters of a running cluster (spread into en.ts).
const mastersEn = {
  masters: {
    add: 'Add masters',
    addTitle: 'Add masters to {{name}}',
    addIntro:
      'Choose ready hosts of this project that are in no cluster (a master needs at least {{min}} CPUs). Each joins {{name}} as a master: the load balancers and the API server certificate take it in, its etcd member joins, then its control plane. You can follow it live.',
    etcdOneByOne:
      'The new etcd members join one at a time, each into a healthy cluster. Keep an odd number of masters (3, 5): 3 tolerate one failed master, 5 tolerate two; 4 tolerate no more than 3 do.',
    after: 'After this: {{count}} masters, etcd tolerates {{tolerates}} failed.',
    atMost: 'At most {{max}} masters are added at once.',
    notRunning: 'Masters are added and removed only while the cluster is running.',
    busy: 'An operation is running on this cluster: wait for it or cancel it first.',
    chosen: 'Chosen: {{count}}',
    choose: 'Choose at least one host.',
    chooseHost: 'Add {{name}} as a master',
    noHosts: 'No host of this project is ready and free. Register or check hosts under',
    submit: 'Add masters',
    adding: 'The new masters are joining {{name}}, one etcd member at a time.',
    added: 'Done: the new masters joined {{cluster}}.',
    remove: 'Remove',
    removeAction: 'Remove master {{name}}',
    onlyMaster: '{{name}} is the only master: a cluster keeps at least one. Add another master first.',
    removeTitle: 'Remove master {{name}}?',
    removeExplain:
      '{{name}} is drained (its pods run elsewhere) and deleted from {{cluster}}. Its etcd member is removed while the other members are healthy; the load balancers, the API server certificate and the other API servers then follow the remaining masters. Its host is reset (Kubernetes, etcd and the container runtime are removed) and returns to the inventory, free. You can follow it live.',
    quorum:
      'The server refuses if etcd would lose its quorum: the masters left must have a majority of healthy (ready) members. Repair or remove not-ready masters first.',
    force: 'Force: the host is dead (no drain)',
    forceExplain:
      'The node is deleted without draining and its etcd member removed; the host is reset only if it can be reached, then returns to the inventory. Use this only for a host that is gone.',
    forceJoining: '{{name}} has not joined yet: it can only be removed by force.',
    typeName: 'Type {{name}} to confirm:',
    removing: 'Removing master {{name}}: draining, then removing its etcd member.',
    removed: 'Done: the master left {{cluster}} and its host is free again.',
  },
};

export default mastersEn;
