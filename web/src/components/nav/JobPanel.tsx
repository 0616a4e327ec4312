// The running or last job on the docked device: a "Go here" or a validation, live.

import type { NavJob } from '../../api/nav';
import { formatMs } from '../../lib/format';
import { Icon } from '../Icon';
import { Spinner } from '../States';
import { JobSteps } from './JobSteps';
import { ValidationResults } from './ValidationResults';

const JOB_STATUS: Record<string, { label: string; tone: string }> = {
  running: { label: 'Running', tone: 'muted' },
  passed: { label: 'Arrived', tone: 'good' },
  failed: { label: 'Failed', tone: 'bad' },
  error: { label: 'Error', tone: 'bad' },
  cancelled: { label: 'Cancelled', tone: 'muted' },
};

function elapsed(job: NavJob): string {
  const start = Date.parse(job.started_at);
  const end = job.finished_at ? Date.parse(job.finished_at) : Date.now();
  return Number.isNaN(start) || Number.isNaN(end) ? '' : formatMs(end - start);
}

interface JobPanelProps {
  job: NavJob;
  error: string | null;
  targetLabel: string | null;
  /** The user's role may stop the job. */
  canCancel: boolean;
  onCancel: () => void;
  onClose: () => void;
  onSelectEdge: (edgeId: string) => void;
}

export function JobPanel({ job, error, targetLabel, canCancel, onCancel, onClose, onSelectEdge }: JobPanelProps) {
  const running = job.status === 'running';
  const isValidation = job.kind === 'validate';
  const status = JOB_STATUS[job.status] ?? { label: job.status, tone: 'muted' };
  const v = job.validation;
  const failedEdges = v ? v.edges_total - v.edges_passed : 0;
  let label = status.label;
  let tone = status.tone;
  if (isValidation && job.status !== 'running' && v) {
    label = failedEdges > 0 ? `${failedEdges} edge${failedEdges > 1 ? 's' : ''} failed` : 'All edges passed';
    tone = failedEdges > 0 ? 'bad' : 'good';
  } else if (isValidation && job.status === 'passed') {
    label = 'Done';
  }
  return (
    <section className="panel job-panel" data-testid="job-panel" data-status={job.status}>
      <div className="panel-head">
        <h2 className="panel-title">
          <Icon name={isValidation ? 'check' : 'target'} size={16} />
          {isValidation ? 'Validating the tree' : `Going to ${targetLabel ?? job.target ?? '?'}`}
        </h2>
        {running && canCancel ? (
          <button type="button" className="button button-sm" onClick={onCancel} data-testid="cancel-job">
            Cancel
          </button>
        ) : running ? null : (
          <button type="button" className="icon-button icon-xs" onClick={onClose} aria-label="Close">
            <Icon name="close" size={14} />
          </button>
        )}
      </div>
      <div className="job-summary">
        {running ? <Spinner label="Running" /> : null}
        <span className={`badge badge-${tone}`} data-testid="job-status">
          {label}
        </span>
        <span className="muted small">
          {job.device} · {job.steps.length} step{job.steps.length === 1 ? '' : 's'} · {elapsed(job)}
          {job.position ? ` · now at ${job.position}` : ''}
        </span>
      </div>
      {job.error && job.status !== 'cancelled' ? <p className="form-error">{job.error}</p> : null}
      {error ? <p className="form-error">{error}</p> : null}
      {isValidation && job.validation ? <ValidationResults summary={job.validation} onSelectEdge={onSelectEdge} /> : null}
      {isValidation && job.validation ? (
        <details className="inspector-more">
          <summary>Every move ({job.steps.length})</summary>
          <JobSteps job={job} />
        </details>
      ) : (
        <JobSteps job={job} />
      )}
    </section>
  );
}
