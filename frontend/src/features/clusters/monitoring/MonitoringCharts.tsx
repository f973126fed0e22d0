import { Alert, Col, Radio, Row, Space, Table, Typography, type TableColumnsType } from 'antd';
import { useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { QueryError } from '../../../app/QueryError';
import { Sparkline, TimeChart } from './Charts';
import { useMonitoringSummary } from './api';
import { decimal, latest, notInstalled, RANGES, toGiB, unreachable, type Figure, type Point, type RangeKey, type Summary } from './monitoring';

type NodeFigures = Summary['nodes'][number];
const USED = '#1677ff';
const TOTAL = '#8c8c8c';
const PODS = '#52c41a';

/** Whether the element is on screen (a hidden tab pane is not): the figures are polled only then. */
function useOnScreen(ref: RefObject<HTMLElement | null>): boolean {
  const [visible, setVisible] = useState(true);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => setVisible(entries.some((e) => e.isIntersecting)));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return visible;
}

/**
 * The cluster's CPU, memory and running pods over the chosen range, and each node's as sparklines,
 * read every 30 s while on screen. The figures Prometheus has no data for are named; a summary that
 * says the stack is absent (409) shows `notInstalledPanel`, Prometheus not answering (502) says so.
 */
export function MonitoringCharts({ clusterId, notInstalledPanel }: { clusterId: string; notInstalledPanel: ReactNode }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const visible = useOnScreen(ref);
  const [range, setRange] = useState<RangeKey>('1h');
  const { minutes, step } = RANGES.find((r) => r.key === range) ?? RANGES[1];
  const summary = useMonitoringSummary(clusterId, minutes, step, visible);

  let body: ReactNode;
  if (summary.isError && notInstalled(summary.error)) {
    return (
      <div ref={ref}>
        <Alert type="warning" showIcon title={t('monitoring.notFound')} style={{ marginBottom: 12 }} data-testid="monitoring-not-found" />
        {notInstalledPanel}
      </div>
    );
  } else if (summary.isError && unreachable(summary.error)) {
    const detail = (summary.error as { detail?: string }).detail ?? '';
    body = <Alert type="error" showIcon title={t('monitoring.unreachable', { detail })} data-testid="monitoring-unreachable" />;
  } else if (summary.isError) {
    body = <QueryError error={summary.error} />;
  } else if (summary.data) {
    body = <Figures summary={summary.data} />;
  } else {
    body = <Typography.Text type="secondary">…</Typography.Text>;
  }

  return (
    <div ref={ref} data-testid="monitoring-charts">
      <Space wrap style={{ marginBottom: 12 }}>
        <Radio.Group
          optionType="button"
          size="small"
          value={range}
          onChange={(e) => setRange(e.target.value as RangeKey)}
          aria-label={t('monitoring.range')}
          options={RANGES.map((r) => ({ value: r.key, label: t(`monitoring.ranges.${r.key}`) }))}
          data-testid="monitoring-range"
        />
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('monitoring.refreshes')}
        </Typography.Text>
      </Space>
      {body}
    </div>
  );
}

function Figures({ summary }: { summary: Summary }) {
  const { t } = useTranslation();
  const start = Date.parse(summary.start) / 1000;
  const end = Date.parse(summary.end) / 1000;
  const step = summary.step_seconds;
  const c = summary.cluster;
  const frame = { start, end, step };
  const cores = t('monitoring.cores');
  const gib = t('monitoring.gib');
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      {summary.missing.length > 0 && (
        <Alert
          type="warning"
          showIcon
          title={t('monitoring.missing', { figures: summary.missing.map((f) => t(`monitoring.figure.${f as Figure}`, { defaultValue: f })).join(', ') })}
          data-testid="monitoring-missing"
        />
      )}
      <Row gutter={[24, 16]}>
        <Col xs={24} xl={12}>
          <TimeChart
            title={t('monitoring.cpu')}
            unit={cores}
            format={decimal}
            testId="chart-cpu"
            {...frame}
            lines={[
              { key: 'used', label: t('monitoring.used'), points: c.cpu_used_cores ?? [], color: USED },
              { key: 'total', label: t('monitoring.capacity'), points: c.cpu_cores ?? [], color: TOTAL, dashed: true },
            ]}
          />
        </Col>
        <Col xs={24} xl={12}>
          <TimeChart
            title={t('monitoring.memory')}
            unit={gib}
            format={decimal}
            testId="chart-memory"
            {...frame}
            lines={[
              { key: 'used', label: t('monitoring.used'), points: toGiB(c.memory_used_bytes), color: USED },
              { key: 'total', label: t('monitoring.capacity'), points: toGiB(c.memory_total_bytes), color: TOTAL, dashed: true },
            ]}
          />
        </Col>
        <Col xs={24} xl={12}>
          <TimeChart
            title={t('monitoring.pods')}
            unit={t('monitoring.podsUnit')}
            format={decimal}
            testId="chart-pods"
            {...frame}
            lines={[{ key: 'pods', label: t('monitoring.pods'), points: c.pods ?? [], color: PODS }]}
          />
        </Col>
      </Row>
      <NodeTable nodes={summary.nodes} frame={frame} />
    </Space>
  );
}

function NodeTable({ nodes, frame }: { nodes: NodeFigures[]; frame: { start: number; end: number; step: number } }) {
  const { t } = useTranslation();
  const usedOf = (used: number | null, total: number | null, unit: string) =>
    used === null ? t('monitoring.noData') : total === null ? t('monitoring.valueUnit', { value: decimal(used), unit }) : t('monitoring.usedOf', { used: decimal(used), total: decimal(total), unit });
  const cell = (node: string, key: string, points: Point[], top: number | null, text: string, color: string) => (
    <Space size={8}>
      <Sparkline points={points} top={top} color={color} title={`${node} · ${text}`} testId={`spark-${key}-${node}`} {...frame} />
      <Typography.Text style={{ fontSize: 12 }} data-testid={`node-${key}-${node}`}>
        {text}
      </Typography.Text>
    </Space>
  );
  const columns: TableColumnsType<NodeFigures> = [
    { title: t('monitoring.node'), dataIndex: 'node' },
    {
      title: t('monitoring.cpu'),
      key: 'cpu',
      render: (_, n) => {
        const total = latest(n.cpu_cores);
        return cell(n.node, 'cpu', n.cpu_used_cores ?? [], total, usedOf(latest(n.cpu_used_cores), total, t('monitoring.cores')), USED);
      },
    },
    {
      title: t('monitoring.memory'),
      key: 'memory',
      render: (_, n) => {
        const used = toGiB(n.memory_used_bytes);
        const total = latest(toGiB(n.memory_total_bytes));
        return cell(n.node, 'memory', used, total, usedOf(latest(used), total, t('monitoring.gib')), USED);
      },
    },
    {
      title: t('monitoring.pods'),
      key: 'pods',
      render: (_, n) => {
        const pods = latest(n.pods);
        return cell(n.node, 'pods', n.pods ?? [], null, pods === null ? t('monitoring.noData') : t('monitoring.valueUnit', { value: decimal(pods), unit: t('monitoring.podsUnit') }), PODS);
      },
    },
  ];
  return (
    <div>
      <Typography.Title level={5}>{t('monitoring.nodes')}</Typography.Title>
      <Table<NodeFigures> rowKey="node" size="small" columns={columns} dataSource={nodes} pagination={false} data-testid="monitoring-nodes" />
    </div>
  );
}
