import type { RunStatus } from '../../api/testing';
import { runStatusInfo } from '../../lib/testSteps';
import { Icon } from '../Icon';

/** A run's (or a step's) status as a coloured badge: passed green, failed red, error orange. */
export function RunStatusBadge({ status, title }: { status: RunStatus | string; title?: string }) {
  const info = runStatusInfo(status);
  return (
    <span className={`badge badge-${info.tone}`} data-status={status} title={title}>
      <Icon name={info.icon} size={12} />
      {info.label}
    </span>
  );
}
