// 为运行中的集群添加、移除主节点的中文（展开到 zh.ts）。键必须与 masters.en.ts 一致。
import type mastersEn from './masters.en';

const mastersZh: typeof mastersEn = {
  masters: {
    add: '添加主节点',
    addTitle: '为 {{name}} 添加主节点',
    addIntro:
      '选择本项目中已就绪且不属于任何集群的主机（主节点至少需要 {{min}} 核 CPU）。每台主机将作为主节点加入 {{name}}：负载均衡和 API Server 证书先纳入它，然后其 etcd 成员加入，最后加入控制平面。加入过程可以实时查看。',
    etcdOneByOne:
      '新的 etcd 成员逐个加入，每次都加入一个健康的集群。请保持奇数个主节点（3、5）：3 个可容忍 1 个主节点故障，5 个可容忍 2 个；4 个的容错能力与 3 个相同。',
    after: '完成后：{{count}} 个主节点，etcd 可容忍 {{tolerates}} 个故障。',
    atMost: '一次最多添加 {{max}} 个主节点。',
    notRunning: '只有集群处于运行中时才能添加或移除主节点。',
    busy: '该集群正在执行操作：请等待其完成或先取消。',
    chosen: '已选：{{count}} 台',
    choose: '请至少选择一台主机。',
    chooseHost: '将 {{name}} 添加为主节点',
    noHosts: '本项目没有已就绪且空闲的主机。请在此注册或检查主机：',
    submit: '添加主节点',
    adding: '新的主节点正在加入 {{name}}，etcd 成员逐个加入。',
    added: '完成：新的主节点已加入 {{cluster}}。',
    remove: '移除',
    removeAction: '移除主节点 {{name}}',
    onlyMaster: '{{name}} 是唯一的主节点：集群至少保留一个主节点。请先添加其他主节点。',
    removeTitle: '移除主节点 {{name}}？',
    removeExplain:
      '先对 {{name}} 排水（其上的 Pod 在其他节点上运行），再从 {{cluster}} 中删除。在其他成员健康时移除其 etcd 成员；随后负载均衡、API Server 证书和其他 API Server 切换到剩余的主节点。其主机被重置（移除 Kubernetes、etcd 和容器运行时），回到资源池成为空闲状态。移除过程可以实时查看。',
    quorum: '如果 etcd 会失去法定人数，服务端将拒绝：剩余主节点中必须有多数为健康（就绪）成员。请先修复或移除未就绪的主节点。',
    force: '强制移除：主机已失效（不排水）',
    forceExplain: '不排水直接删除节点并移除其 etcd 成员；仅当主机可连接时才重置，之后主机回到资源池。仅在主机已不可用时使用。',
    forceJoining: '{{name}} 尚未加入集群：只能强制移除。',
    typeName: '输入 {{name}} 以确认：',
    removing: '正在移除主节点 {{name}}：先排水，再移除其 etcd 成员。',
    removed: '完成：该主节点已离开 {{cluster}}，其主机已重新空闲。',
  },
};

export default mastersZh;
