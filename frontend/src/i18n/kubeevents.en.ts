// English strings of the Kubernetes events page and cluster tab (spread into en.ts).
const kubeEventsEn = {
  kubeEvents: {
    nav: 'Events',
    title: 'Kubernetes events',
    tab: 'Events',
    lastSeen: 'Last seen',
    firstSeen: 'First seen {{time}}',
    cluster: 'Cluster',
    type: 'Type',
    types: {
      Normal: 'Normal',
      Warning: 'Warning',
    },
    namespace: 'Namespace',
    kind: 'Kind',
    object: 'Object',
    reason: 'Reason',
    message: 'Message',
    count: 'Count',
    allClusters: 'All clusters',
    allTypes: 'All types',
    search: 'Search messages and object names',
    clear: 'Clear filters',
    total: '{{total}} events',
    liveHint: 'Newest first. Warnings appear as they happen; other events are read again every 30 seconds.',
    empty: 'No Kubernetes events yet. A cluster’s events are collected once it is running.',
    emptyCluster: 'No Kubernetes events of this cluster yet.',
    emptyFiltered: 'No events match these filters.',
    notWatched: 'This cluster’s events are not collected yet: they are once the cluster is running and the observability service has learned of it.',
  },
};

export default kubeEventsEn;
