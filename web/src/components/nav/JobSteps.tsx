// The steps of a navigation job as they happen: moves, localisation, retries and their proof.

import type { JobStep, NavJob } from '../../api/nav';
import { formatMs } from '../../lib/format';
import { Icon } from '../Icon';
import { Spinner } from '../States';
import { ShotLink } from './ShotLink';

const STEP_STATUS: Record<string, { label: string; tone: string }> = {
  running: { label: 'Running', tone: 'muted' },
  passed: { label: 'Passed', tone: 'good' },
  failed: { label: 'Failed', tone: 'bad' },
  retried: { label: 'Passed after retry', tone: 'warn' },
};

function stepTitle(step: JobStep): string {
  if (step.kind === 'localise') {
    if (step.to) return `Found the device on ${step.to}`;
    return step.status === 'failed' ? 'Could not tell where the device is' : 'Looking for where the device is';
  }
  if (step.kind === 'verify') return `Checking the device is on ${step.to ?? step.from ?? 'its node'}`;
  const dir = step.direction === 'reverse' ? ' (back)' : '';
  return `${step.from ?? '?'} → ${step.to ?? '?'}${dir}`;
}

function verificationSummary(step: JobStep): string | null {
  if (!step.verifications?.length) return null;
  return step.verifications
    .map((v) => `${v.name ?? v.kind}: ${v.passed ? 'found' : 'not found'}${typeof v.score === 'number' ? ` (${v.score.toFixed(2)})` : ''}`)
    .join(' · ');
}

function shotOf(step: JobStep): string | null {
  if (step.screenshot_url) return step.screenshot_url;
  const annotated = step.verifications?.find((v) => v.annotated_url)?.annotated_url;
  return annotated ?? null;
}

export function JobSteps({ job }: { job: NavJob }) {
  if (job.steps.length === 0) {
    return <p className="muted small">{job.status === 'running' ? 'Planning the route…' : 'No steps were run.'}</p>;
  }
  return (
    <ol className="job-steps" data-testid="job-steps">
      {job.steps.map((step, position) => {
        // Finding where the device is before anything moved is the routine start of every job;
        // only a later one (a move did not land where planned) is a recovery.
        const routineStart = step.kind === 'localise' && !job.steps.slice(0, position).some((s) => s.kind !== 'localise');
        // Not finding where the device is is part of recovering, not a failure of the run.
        const status =
          step.kind === 'localise' && step.status === 'failed'
            ? { label: 'Not found', tone: routineStart ? 'muted' : 'warn' }
            : (STEP_STATUS[step.status] ?? { label: step.status, tone: 'muted' });
        const recovery = (step.kind === 'localise' && !routineStart) || step.attempt > 1 || step.status === 'retried';
        const shot = shotOf(step);
        const verdict = verificationSummary(step);
        return (
          <li key={step.index} className={`job-step step-${status.tone}${recovery ? ' step-recovery' : ''}`} data-status={step.status} data-kind={step.kind}>
            <span className="job-step-icon" aria-hidden="true">
              <Icon name={step.kind === 'localise' ? 'target' : step.status === 'failed' ? 'close' : 'check'} size={14} />
            </span>
            <div className="job-step-main">
              <div className="job-step-title">
                <span>{stepTitle(step)}</span>
                {step.kind === 'localise' && !routineStart ? <span className="badge badge-warn">Recovery</span> : null}
                {step.attempt > 1 ? <span className="badge badge-warn">Attempt {step.attempt}</span> : null}
              </div>
              {step.kind === 'edge' && step.actions ? <div className="job-step-keys mono">{step.actions}</div> : null}
              {verdict ? <div className="muted small">{verdict}</div> : null}
              {step.detail ? <div className="muted small">{step.detail}</div> : null}
            </div>
            <div className="job-step-side">
              <span className={`badge badge-${status.tone}`}>{status.label}</span>
              <span className="muted small mono">{formatMs(step.ms)}</span>
            </div>
            {shot ? <ShotLink className="job-step-shot" url={shot} alt={`Screenshot of step ${step.index + 1}`} /> : null}
          </li>
        );
      })}
      {job.status === 'running' ? (
        <li className="job-step job-step-pending" aria-live="polite">
          <span className="job-step-icon" aria-hidden="true">
            <Spinner label="Working" />
          </span>
          <div className="job-step-main">
            <div className="job-step-title muted">{job.kind === 'validate' ? 'Walking the next edge…' : 'Moving…'}</div>
          </div>
        </li>
      ) : null}
    </ol>
  );
}
