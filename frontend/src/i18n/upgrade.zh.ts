// 沿已导入的离线包升级运行中集群的中文（展开到 zh.ts）。键必须与 upgrade.en.ts 一致。
import type upgradeEn from './upgrade.en';

const upgradeZh: typeof upgradeEn = {
  upgrade: {
    action: '升级',
    title: '升级 {{name}}',
    current: '当前为 Kubernetes {{version}}（{{arch}}）。',
    notRunning: '只有集群处于运行中时才能升级。',
    busy: '该集群正在执行操作：请等待其完成或先取消。',
    version: '目标版本',
    versionHint: '比 {{version}} 更新的 {{arch}} 就绪离线包。',
    noVersions: '没有比 {{version}} 更新的 {{arch}} 就绪离线包。请先导入：',
    choose: '选择版本',
    path: '升级路径',
    pathExplain: '每次升级一个次版本，中间的每个次版本使用已导入的最新补丁版本；服务端会再次检查。',
    step: '第 {{n}} 步：{{version}}',
    gap: '无可用路径：需要经过 {{minor}}（每次一个次版本），但尚未导入 {{minor}} 的离线包。请先导入，再升级。',
    otherMajor: '跨主版本升级：不支持。',
    batch: '同时升级的工作节点（%）',
    batchHint: '工作节点的百分比，1 到 100。留空：逐个升级。',
    batchRange: '请填写 1 到 100 的整数，或留空。',
    warning:
      '首先生成 etcd 快照。然后每一步：在所有节点上准备新的镜像和工具，逐个升级主节点的控制平面，再分批升级工作节点：每个节点先排水（其上的 Pod 在其他节点上运行），升级，重新就绪后恢复调度。节点列表会随时显示每个节点的版本。',
    submit: '升级',
    upgrading: '正在将 {{name}} 升级到 {{version}}。',
    done: '完成：{{cluster}} 已升级。',
  },
};

export default upgradeZh;
