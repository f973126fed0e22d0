// Kubernetes 事件页面和集群“事件”标签页的简体中文（并入 zh.ts）。键必须与 kubeevents.en.ts 一致。
import type kubeEventsEn from './kubeevents.en';

const kubeEventsZh: typeof kubeEventsEn = {
  kubeEvents: {
    nav: '事件',
    title: 'Kubernetes 事件',
    tab: '事件',
    lastSeen: '最后发生时间',
    firstSeen: '首次发生时间 {{time}}',
    cluster: '集群',
    type: '类型',
    types: {
      Normal: '正常',
      Warning: '警告',
    },
    namespace: '命名空间',
    kind: '资源类型',
    object: '对象',
    reason: '原因',
    message: '消息',
    count: '次数',
    allClusters: '全部集群',
    allTypes: '全部类型',
    search: '搜索消息或对象名称',
    clear: '清除筛选',
    total: '共 {{total}} 条事件',
    liveHint: '按时间倒序。警告事件实时显示；其他事件每 30 秒刷新一次。',
    empty: '暂无 Kubernetes 事件。集群运行后即开始收集其事件。',
    emptyCluster: '此集群暂无 Kubernetes 事件。',
    emptyFiltered: '没有符合筛选条件的事件。',
    notWatched: '尚未收集此集群的事件：集群运行且监控服务获知该集群后开始收集。',
  },
};

export default kubeEventsZh;
