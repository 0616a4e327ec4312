// Small pieces shared by the schedule list and the schedule page.

import type { Firing, Schedule, ScheduleBody } from '../../api/testing';
import { formatAgo, formatDateTime } from '../../lib/format';
import { Link } from '../../lib/router';

/** The body that saves a schedule as it is, with some fields changed. */
export function scheduleBody(s: Schedule, patch: Partial<ScheduleBody> = {}): ScheduleBody {
  return {
    name: s.name,
    ...(s.campaign_id !== null ? { campaign_id: s.campaign_id } : { testcase_id: s.testcase_id ?? undefined }),
    target: s.target ?? undefined,
    cron: s.cron,
    start_at: s.start_at ?? undefined,
    end_at: s.end_at ?? undefined,
    max_runs: s.max_runs ?? undefined,
    enabled: s.enabled,
    ...patch,
  };
}

export function FiringText({ firing, now }: { firing: Firing; now: number }) {
  const when = <span title={formatDateTime(firing.at)}>{formatAgo(firing.at, now)}</span>;
  if (firing.skipped) {
    return (
      <span className="firing firing-skipped">
        <span className="badge badge-warn">Skipped</span> {when} <span className="muted small">— {firing.skipped}</span>
      </span>
    );
  }
  const link = firing.run_id !== null ? `/runs/${firing.run_id}` : firing.campaign_run_id !== null ? `/campaign-runs/${firing.campaign_run_id}` : null;
  return (
    <span className="firing">
      <span className="badge badge-good">Ran</span> {when}{' '}
      {link ? <Link to={link}>{firing.run_id !== null ? `run #${firing.run_id}` : `campaign run #${firing.campaign_run_id}`}</Link> : null}
    </span>
  );
}

export function Switch({ checked, onChange, label, disabled, testId }: { checked: boolean; onChange: (v: boolean) => void; label: string; disabled?: boolean; testId?: string }) {
  return (
    <button type="button" role="switch" aria-checked={checked} aria-label={label} className="switch" onClick={() => onChange(!checked)} disabled={disabled} data-testid={testId}>
      <span className="switch-knob" aria-hidden="true" />
    </button>
  );
}
