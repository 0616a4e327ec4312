// The steps of a run: what ran (with status, time, detail, log and pictures), the step running now,
// and the steps still to come (or that never ran).

import type { ReactNode } from 'react';
import type { CurrentStep, RunDetail, StepResult, TestStep } from '../../api/testing';
import { testingApi } from '../../api/testing';
import { formatMs } from '../../lib/format';
import { actionInfo, flattenSteps, pathOf, runStatusInfo, stepSummary } from '../../lib/testSteps';
import { Icon } from '../Icon';
import { Spinner } from '../States';
import { PictureThumb } from './Lightbox';
import type { Picture } from './Lightbox';

/** `steps[1].steps[0]` → "2.1". */
export function placeNumber(path: string): string {
  const p = pathOf(path);
  return p.length ? p.map((i) => i + 1).join('.') : '';
}

/** How many times each repeat around a place runs, outermost first. */
function repeatTimes(doc: TestStep[] | undefined, path: string): number[] {
  const times: number[] = [];
  let list = doc ?? [];
  const indexes = pathOf(path);
  for (const index of indexes.slice(0, -1)) {
    const step = list[index];
    if (!step || step.action !== 'repeat') break;
    times.push(step.times);
    list = step.steps;
  }
  return times;
}

/** "Repeat 2 of 3" (or "Repeat 2 of 3 · 1 of 2" for nested repeats). */
function iterationText(iteration: number[] | undefined, doc: TestStep[] | undefined, path: string): string | null {
  if (!iteration || iteration.length === 0) return null;
  const times = repeatTimes(doc, path);
  return `Repeat ${iteration.map((n, i) => (times[i] ? `${n} of ${times[i]}` : String(n))).join(' · ')}`;
}

interface Pending {
  path: string;
  depth: number;
  step: TestStep;
}

/** Steps of the document after the furthest place reached so far. */
export function stepsToCome(doc: TestStep[] | undefined, reached: string[]): Pending[] {
  if (!doc) return [];
  const flat = flattenSteps(doc);
  const positions = reached.map((p) => flat.findIndex((f) => f.path === p)).filter((i) => i >= 0);
  const furthest = positions.length ? Math.max(...positions) : -1;
  return flat.slice(furthest + 1);
}

export function firstFailure(steps: StepResult[]): StepResult | null {
  return steps.find((s) => s.status !== 'passed') ?? null;
}

function picturesOf(runId: number, step: StepResult): { pictures: Picture[]; badges: ReactNode[]; captions: string[] } {
  const pictures: Picture[] = [];
  const badges: ReactNode[] = [];
  const captions: string[] = [];
  const number = placeNumber(step.path);
  if (step.before) {
    pictures.push({ url: testingApi.artifactUrl(runId, step.before), caption: `Before step ${number}` });
    badges.push(null);
    captions.push(`Before step ${number}`);
  }
  (step.verifications ?? []).forEach((v) => {
    if (!v.annotated) return;
    const score = typeof v.score === 'number' ? ` · score ${v.score.toFixed(3)}` : '';
    pictures.push({ url: testingApi.artifactUrl(runId, v.annotated), caption: `${v.name ?? v.kind}${score}` });
    captions.push(v.name ?? String(v.kind));
    badges.push(
      <span className={`badge badge-${v.passed ? 'good' : 'bad'}`}>
        <Icon name={v.passed ? 'check' : 'close'} size={11} />
        {v.passed ? 'Passed' : 'Failed'}
      </span>,
    );
  });
  if (step.after) {
    const name = step.action === 'screenshot' && step.label.startsWith('Screenshot "') ? step.label.slice(12).replace(/"$/, '') : null;
    pictures.push({ url: testingApi.artifactUrl(runId, step.after), caption: name ?? `After step ${number}` });
    badges.push(null);
    captions.push(name ?? `After step ${number}`);
  }
  return { pictures, badges, captions };
}

function VerificationLines({ step }: { step: StepResult }) {
  const list = step.verifications ?? [];
  // The step's own detail often repeats a verification's: say it once.
  const said = step.detail ?? '';
  if (list.length === 0) return null;
  return (
    <ul className="result-verifs">
      {list.map((v, i) => (
        <li key={i} className={v.passed ? 'good' : 'bad'}>
          <Icon name={v.passed ? 'check' : 'close'} size={13} />
          <span className="strong">{v.name ?? v.kind}</span>
          {typeof v.score === 'number' ? <span className="mono small">score {v.score.toFixed(3)}</span> : null}
          {v.text ? <span className="muted small">read “{v.text}”</span> : null}
          {v.detail && !said.includes(v.detail) ? <span className="muted small">{v.detail}</span> : null}
        </li>
      ))}
    </ul>
  );
}

/** One executed step in the finished report: everything it left. */
export function ResultCard({ runId, step, doc }: { runId: number; step: StepResult; doc?: TestStep[] }) {
  const info = runStatusInfo(step.status);
  const { pictures, badges, captions } = picturesOf(runId, step);
  const failed = step.status !== 'passed';
  const iteration = iterationText(step.iteration, doc, step.path);
  // What the card already says (its detail, its checks) is not said again in the log.
  const said = [step.detail ?? '', ...(step.verifications ?? []).map((v) => v.detail ?? '')].filter(Boolean);
  const log = (step.log ?? []).filter((line) => !said.some((text) => text.includes(line.text) || line.text.includes(text)));
  return (
    <li
      className={`result-card result-${info.tone}`}
      id={`result-${step.index}`}
      data-testid="result"
      data-status={step.status}
      data-path={step.path}
    >
      <div className="result-head">
        <span className="result-icon" aria-hidden="true">
          <Icon name={info.icon} size={14} />
        </span>
        <span className="step-number">{placeNumber(step.path)}</span>
        <span className="result-title">
          <Icon name={actionInfo(step.action).icon} size={14} className="muted" /> {step.label}
        </span>
        {iteration ? <span className="badge badge-muted">{iteration}</span> : null}
        {step.continue_on_failure && failed ? <span className="badge badge-muted">Continued</span> : null}
        <span className="toolbar-spacer" />
        <span className="mono small muted">{formatMs(step.ms)}</span>
        <span className={`badge badge-${info.tone}`}>{info.label}</span>
      </div>
      {step.detail ? <p className={failed ? 'result-detail bad' : 'result-detail'}>{step.detail}</p> : null}
      <VerificationLines step={step} />
      {pictures.length ? (
        <div className="result-shots">
          {pictures.map((p, i) => (
            <PictureThumb key={p.url} pictures={pictures} index={i} badge={badges[i]} caption={captions[i]} />
          ))}
        </div>
      ) : null}
      {log.length ? (
        <details className="result-log" open={failed && log.length <= 3}>
          <summary>
            Log ({log.length} {log.length === 1 ? 'line' : 'lines'})
          </summary>
          <ol>
            {log.map((line, i) => (
              <li key={i}>
                <span className="mono muted">{formatMs(line.ms)}</span> <span className="mono">{line.text}</span>
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </li>
  );
}

/** The report's steps: what ran, then what never ran. */
export function ReportSteps({ run }: { run: RunDetail }) {
  const steps = [...run.steps].sort((a, b) => a.index - b.index);
  const notRun = stepsToCome(run.document?.steps, steps.map((s) => s.path));
  return (
    <ol className="result-list" data-testid="report-steps">
      {steps.map((step) => (
        <ResultCard key={step.index} runId={run.id} step={step} doc={run.document?.steps} />
      ))}
      {notRun.map((p) => (
        <li key={p.path} className="result-card result-muted result-notrun" data-testid="result" data-status="not_run">
          <div className="result-head">
            <span className="result-icon" aria-hidden="true">
              <Icon name="stop" size={12} />
            </span>
            <span className="step-number">{placeNumber(p.path)}</span>
            <span className="result-title muted">{stepSummary(p.step)}</span>
            <span className="toolbar-spacer" />
            <span className="badge badge-muted">Not run</span>
          </div>
        </li>
      ))}
    </ol>
  );
}

/** While a run runs: steps done (compact), the current one highlighted, the ones to come. */
export function LiveSteps({ run, current }: { run: RunDetail; current: CurrentStep | null }) {
  const steps = [...run.steps].sort((a, b) => a.index - b.index);
  const showCurrent = current && !steps.some((s) => s.index === current.index) ? current : null;
  const reached = [...steps.map((s) => s.path), ...(showCurrent ? [showCurrent.path] : [])];
  const toCome = run.status === 'running' || run.status === 'queued' ? stepsToCome(run.document?.steps, reached) : [];
  return (
    <ol className="live-steps" data-testid="live-steps">
      {steps.map((step) => {
        const info = runStatusInfo(step.status);
        const iteration = iterationText(step.iteration, run.document?.steps, step.path);
        return (
          <li key={step.index} className={`live-step step-${info.tone}`} data-testid="live-step" data-status={step.status}>
            <span className="result-icon" aria-hidden="true">
              <Icon name={info.icon} size={13} />
            </span>
            <span className="step-number">{placeNumber(step.path)}</span>
            <span className="live-step-main">
              <span className="live-step-title">
                {step.label}
                {iteration ? <span className="badge badge-muted">{iteration}</span> : null}
              </span>
              {step.status !== 'passed' && step.detail ? <span className="result-detail bad small">{step.detail}</span> : null}
            </span>
            <span className="mono small muted">{formatMs(step.ms)}</span>
          </li>
        );
      })}
      {showCurrent ? (
        <li className="live-step step-current" data-testid="current-step" aria-live="polite">
          <span className="result-icon" aria-hidden="true">
            <Spinner label="Running" />
          </span>
          <span className="step-number">{placeNumber(showCurrent.path)}</span>
          <span className="live-step-main">
            <span className="live-step-title">
              {showCurrent.label}
              {showCurrent.iteration?.length ? (
                <span className="badge badge-muted">{iterationText(showCurrent.iteration, run.document?.steps, showCurrent.path)}</span>
              ) : null}
            </span>
          </span>
          <span className="badge badge-accent">Running</span>
        </li>
      ) : null}
      {toCome.map((p) => (
        <li key={p.path} className="live-step step-pending" data-testid="pending-step">
          <span className="result-icon" aria-hidden="true">
            <Icon name={actionInfo(p.step.action).icon} size={12} />
          </span>
          <span className="step-number">{placeNumber(p.path)}</span>
          <span className="live-step-main">
            <span className="live-step-title">{stepSummary(p.step)}</span>
          </span>
        </li>
      ))}
    </ol>
  );
}
