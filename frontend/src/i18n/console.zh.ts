// 概览页项目卡片与删除集群的中文（展开到 zh.ts）。键必须与 console.en.ts 一致。
import type consoleEn from './console.en';

const consoleZh: typeof consoleEn = {
  dashboard: {
    clusters: '{{project}} 的集群',
    clusterTotal: '集群：{{count}} 个。按状态：',
    noClusters: '还没有集群。先添加主机、导入离线包，再用向导规划集群。',
    noClustersReader: '本项目还没有集群，项目管理员可以创建。',
    hosts: '{{project}} 的主机健康',
    hostTotal: '主机：{{count}} 台。按最近一次检查的状态：',
    partial: '按状态的统计仅覆盖前 {{count}} 个。',
    unchecked: '尚未检查',
    hostsAttention: '部分主机需要处理：打开“主机”查看原因并重新检查。',
    noHosts: '还没有主机。先创建凭据（SSH 登录方式），再添加主机。',
    noHostsReader: '本项目还没有主机，项目管理员可以添加。',
    operations: '{{project}} 的最近操作',
    cluster: '集群',
    clusterGone: '已删除的集群',
    by: '发起人',
    noOperations: '还没有操作：部署、伸缩或删除集群时会产生操作，其进度显示在这里。',
  },
  clusterDelete: {
    action: '删除集群 {{name}}',
    title: '删除集群 {{name}}？',
    explain:
      '先重置 {{name}} 的主机：移除其上的 Kubernetes、etcd、容器运行时和负载均衡，主机回到资源池成为空闲状态；然后删除集群记录。重置过程可以实时查看。此操作不可撤销。',
    force: '不重置主机，直接删除集群记录（仅限管理员）',
    forceExplain: '立即删除 {{name}} 的记录并释放其主机，但不重置主机：仅在主机已永久不可用时使用，主机上残留的内容不会被清理。',
    forceAdminOnly: '如果集群的主机已永久不可用，管理员可以不重置主机直接删除集群记录。',
    forget: '直接删除',
    typeName: '输入 {{name}} 以确认：',
    busy: '该集群正在执行操作：请等待其完成或先取消。',
    resetting: '正在重置 {{name}} 的主机，重置成功后集群将被删除。',
    forgotten: '集群 {{name}} 的记录已删除，其主机已释放。',
    resetDone: '{{name}} 的主机已重置，集群已删除。',
    backToList: '返回集群列表',
  },
};

export default consoleZh;
