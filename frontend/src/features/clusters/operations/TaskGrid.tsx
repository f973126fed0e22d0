import { Empty, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CellStatus, TaskGrid as Grid } from './eventLog';

const CELL_COLOR: Record<CellStatus, string> = {
  running: '#1677ff',
  ok: '#52c41a',
  changed: '#faad14',
  failed: '#ff4d4f',
  unreachable: '#eb2f96',
  skipped: '#d9d9d9',
};

/** Hosts × the most recent tasks, each cell coloured by the host's status in that task. */
export function TaskGrid({ grid }: { grid: Grid }) {
  const { t } = useTranslation();
  if (!grid.hosts.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('operations.noTasks')} />;
  return (
    <div style={{ overflowX: 'auto' }}>
      <table data-testid="task-grid" style={{ borderCollapse: 'separate', borderSpacing: 3 }}>
        <thead>
          <tr>
            <th />
            {grid.tasks.map((task, i) => (
              <th key={task.key} style={{ fontWeight: 'normal', fontSize: 11, color: '#888' }}>
                <Tooltip title={`${task.phase} · ${task.task}`}>{i + 1}</Tooltip>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.hosts.map((host) => (
            <tr key={host} data-testid={`grid-host-${host}`}>
              <td style={{ paddingRight: 8, whiteSpace: 'nowrap' }}>
                <Typography.Text>{host}</Typography.Text>
              </td>
              {grid.tasks.map((task) => {
                const status = grid.cells.get(host)?.get(task.key);
                return (
                  <td key={task.key}>
                    <Tooltip title={`${task.task}: ${status ? t(`operations.cell.${status}`) : '—'}`}>
                      <div
                        data-status={status ?? 'none'}
                        style={{ width: 18, height: 18, borderRadius: 3, background: status ? CELL_COLOR[status] : '#f5f5f5' }}
                      />
                    </Tooltip>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap', marginTop: 8 }}>
        {(Object.keys(CELL_COLOR) as CellStatus[]).map((s) => (
          <span key={s} style={{ fontSize: 12, color: '#888' }}>
            <span style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 2, background: CELL_COLOR[s], marginRight: 4 }} />
            {t(`operations.cell.${s}`)}
          </span>
        ))}
      </div>
    </div>
  );
}
