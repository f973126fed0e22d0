// English strings of adding, removing and rebuilding the workers of a running cluster (spread into en.ts).
const workersEn = {
  workers: {
    add: 'Add workers',
    addTitle: 'Add workers to {{name}}',
    addIntro:
      'Choose ready hosts of this project that are in no cluster. Each joins {{name}} as a worker node; the labels and taints you give are set on its node when it joins. You can follow it live.',
    addVmsIntro:
      'Its nodes are VMs made from its plan: the new workers are created in the plan’s zones, in turn, registered as hosts, then join {{name}} as worker nodes. You can follow it live.',
    count: 'New workers',
    countHint: '1 to {{max}} new VMs.',
    notRunning: 'Workers are added, removed and rebuilt only while the cluster is running.',
    busy: 'An operation is running on this cluster: wait for it or cancel it first.',
    chosen: 'Chosen: {{count}}',
    choose: 'Choose at least one host.',
    chooseHost: 'Add {{name}}',
    noHosts: 'No host of this project is ready and free. Register or check hosts under',
    nodeOf: 'Node {{name}}',
    labels: 'Labels',
    labelsHint: 'key=value, e.g. example.com/rack = r1. The kubernetes.io and k8s.io prefixes are Kubernetes’ own.',
    addLabel: 'Add label',
    taints: 'Taints',
    taintsHint: 'Only pods that tolerate a taint are scheduled on the node (NoSchedule), or stay on it (NoExecute).',
    addTaint: 'Add taint',
    key: 'Key',
    value: 'Value',
    effect: 'Effect',
    removeRow: 'Remove this row',
    copyToAll: 'Use these labels and taints on every chosen host',
    keyRequired: 'Give a key, or clear the row.',
    keyTwice: 'Label {{key}} is given twice.',
    submit: 'Add workers',
    adding: 'The new workers are joining {{name}}.',
    added: 'Done: the new workers joined {{cluster}}.',
    remove: 'Remove',
    removeAction: 'Remove worker {{name}}',
    removeTitle: 'Remove worker {{name}}?',
    removeExplain:
      '{{name}} is cordoned, then drained: its pods are evicted and run elsewhere (PodDisruptionBudgets are respected; the drain gives up after 5 minutes, naming the pods that block it). Then the node is deleted from {{cluster}}, its host is reset (Kubernetes and the container runtime are removed) and returns to the inventory, free. You can follow it live.',
    force: 'Force: the host is dead (no drain)',
    forceExplain:
      'The node is deleted at once, without draining: its pods are not evicted gracefully, Kubernetes reschedules them after. Whatever can be reached on the host is reset, and it returns to the inventory. Use this only for a host that is gone.',
    forceJoining: '{{name}} has not joined yet: it can only be removed by force.',
    typeName: 'Type {{name}} to confirm:',
    removing: 'Removing {{name}}: draining, then resetting its host.',
    removed: 'Done: the worker left {{cluster}} and its host is free again.',
    rebuild: 'Rebuild',
    rebuildAction: 'Rebuild worker {{name}}',
    rebuildTitle: 'Rebuild worker {{name}}?',
    rebuildExplain:
      '{{name}} is deleted from {{cluster}} at once, without draining: Kubernetes reschedules the pods that ran on it onto other nodes. Then its host is reset (Kubernetes and the container runtime are removed), set up again and joined to {{cluster}} as a worker with the same name. Use it for a node that stays not ready, or a host that was repaired or reinstalled. You can follow it live.',
    rebuildNotReady: '{{name}} has been not ready since {{time}}.',
    notReadyBanner: 'Worker {{name}} has been not ready for {{duration}}. If it does not recover, rebuild it: its host is reset and joins again.',
    rebuilding: 'Rebuilding {{name}}: its host is reset, then joins again.',
    rebuilt: 'Done: the worker was rebuilt and joined {{cluster}} again.',
  },
};

export default workersEn;
