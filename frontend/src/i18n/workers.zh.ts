// 为运行中的集群添加、移除、重建工作节点的中文（展开到 zh.ts）。键必须与 workers.en.ts 一致。
import type workersEn from './workers.en';

const workersZh: typeof workersEn = {
  workers: {
    add: '添加节点',
    addTitle: '为 {{name}} 添加工作节点',
    addIntro:
      '选择本项目中已就绪且不属于任何集群的主机，每台主机将作为工作节点加入 {{name}}；填写的标签和污点会在节点加入时设置。加入过程可以实时查看。',
    addVmsIntro:
      '该集群的节点是按部署计划创建的虚拟机：新的工作节点将在计划的可用区中依次创建为虚拟机，注册为主机后作为工作节点加入 {{name}}。加入过程可以实时查看。',
    count: '新增工作节点数',
    countHint: '可填 1 到 {{max}} 台新虚拟机。',
    notRunning: '只有集群处于运行中时才能添加、移除或重建工作节点。',
    busy: '该集群正在执行操作：请等待其完成或先取消。',
    chosen: '已选：{{count}} 台',
    choose: '请至少选择一台主机。',
    chooseHost: '添加 {{name}}',
    noHosts: '本项目没有已就绪且空闲的主机。请在此注册或检查主机：',
    nodeOf: '节点 {{name}}',
    labels: '标签',
    labelsHint: '键=值，例如 example.com/rack = r1。kubernetes.io 与 k8s.io 前缀为 Kubernetes 保留。',
    addLabel: '添加标签',
    taints: '污点',
    taintsHint: '只有容忍该污点的 Pod 才会被调度到此节点（NoSchedule），或继续留在此节点上（NoExecute）。',
    addTaint: '添加污点',
    key: '键',
    value: '值',
    effect: '效果',
    removeRow: '删除此行',
    copyToAll: '将这些标签和污点应用到所有已选主机',
    keyRequired: '请填写键，或清空此行。',
    keyTwice: '标签 {{key}} 重复。',
    submit: '添加节点',
    adding: '新的工作节点正在加入 {{name}}。',
    added: '完成：新的工作节点已加入 {{cluster}}。',
    remove: '移除',
    removeAction: '移除工作节点 {{name}}',
    removeTitle: '移除工作节点 {{name}}？',
    removeExplain:
      '先将 {{name}} 设为不可调度并排水：驱逐节点上的 Pod，使其在其他节点上运行（遵守 PodDisruptionBudget；5 分钟后仍未完成则停止，并列出阻塞的 Pod）。然后从 {{cluster}} 中删除该节点，重置其主机（移除 Kubernetes 和容器运行时），主机回到资源池成为空闲状态。移除过程可以实时查看。',
    force: '强制移除：主机已失效（不排水）',
    forceExplain:
      '立即删除节点而不排水：节点上的 Pod 不会被优雅驱逐，之后由 Kubernetes 重新调度。主机上能连接到的部分会被重置，主机回到资源池。仅在主机已不可用时使用。',
    forceJoining: '{{name}} 尚未加入集群：只能强制移除。',
    typeName: '输入 {{name}} 以确认：',
    removing: '正在移除 {{name}}：先排水，再重置其主机。',
    removed: '完成：该工作节点已离开 {{cluster}}，其主机已重新空闲。',
    rebuild: '重建',
    rebuildAction: '重建工作节点 {{name}}',
    rebuildTitle: '重建工作节点 {{name}}？',
    rebuildExplain:
      '立即从 {{cluster}} 中删除 {{name}}，不排水：其上运行的 Pod 由 Kubernetes 重新调度到其他节点。随后重置其主机（移除 Kubernetes 和容器运行时），重新安装并以同名工作节点再次加入 {{cluster}}。适用于长时间未就绪的节点，或已修复、重装的主机。重建过程可以实时查看。',
    rebuildNotReady: '{{name}} 自 {{time}} 起未就绪。',
    notReadyBanner: '工作节点 {{name}} 已未就绪 {{duration}}。如果无法恢复，请重建：其主机将被重置并重新加入。',
    rebuilding: '正在重建 {{name}}：先重置其主机，再重新加入。',
    rebuilt: '完成：该工作节点已重建并重新加入 {{cluster}}。',
  },
};

export default workersZh;
