// English strings of upgrading a running cluster along the imported offline packages (spread into en.ts).
const upgradeEn = {
  upgrade: {
    action: 'Upgrade',
    title: 'Upgrade {{name}}',
    current: 'Kubernetes {{version}} ({{arch}}) now.',
    notRunning: 'A cluster is upgraded only while it is running.',
    busy: 'An operation is running on this cluster: wait for it or cancel it first.',
    version: 'Version to reach',
    versionHint: 'The ready offline packages of {{arch}} newer than {{version}}.',
    noVersions: 'No ready offline package of {{arch}} is newer than {{version}}. Import one under',
    choose: 'Choose a version',
    path: 'The path',
    pathExplain:
      'One minor version at a time, through the newest imported patch of each minor in between; the server checks it again.',
    step: 'Step {{n}}: {{version}}',
    gap: 'No path: it goes through {{minor}} (one minor version at a time) and no {{minor}} package is imported. Import one, then upgrade.',
    otherMajor: 'Another major version: not supported.',
    batch: 'Workers upgraded at once (%)',
    batchHint: 'A percentage of the workers, 1 to 100. Empty: one worker at a time.',
    batchRange: 'Give a whole number from 1 to 100, or leave it empty.',
    warning:
      'An etcd snapshot is taken first. Then, for each step: the new images and tools on every node, the control plane one master at a time, and the workers in batches: each drained (its pods run elsewhere), upgraded, ready again, then uncordoned. The nodes list shows each node’s version as it changes.',
    submit: 'Upgrade',
    upgrading: 'Upgrading {{name}} to {{version}}.',
    done: 'Done: {{cluster}} was upgraded.',
  },
};

export default upgradeEn;
