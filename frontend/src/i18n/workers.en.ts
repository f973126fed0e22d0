// English strings of adding and removing the workers of a running cluster (spread into en.ts).
const workersEn = {
  workers: {
    add: 'Add workers',
    addTitle: 'Add workers to {{name}}',
    addIntro:
      'Choose ready hosts of this project that are in no cluster. Each joins {{name}} as a worker node; the labels and taints you give are set on its node when it joins. You can follow it live.',
    notRunning: 'Workers are added and removed only while the cluster is running.',
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
  },
};

export default workersEn;
