// The ordered steps of a test case, each a card with its form; repeats hold their own list.

import { useState } from 'react';
import type { StepAction, TestStep } from '../../api/testing';
import { ACTIONS, MAX_DEPTH, actionInfo, newStep, stepSummary } from '../../lib/testSteps';
import type { StepPath } from '../../lib/testSteps';
import { Icon } from '../Icon';
import { StepForm } from './StepForm';
import { useStepEditor } from './stepEditorContext';

export interface StepEdits {
  update: (path: StepPath, step: TestStep) => void;
  remove: (path: StepPath) => void;
  move: (path: StepPath, delta: -1 | 1) => void;
  insert: (parent: StepPath, index: number, step: TestStep) => void;
}

function AddStepBar({ onAdd, depth, onCancel, testId }: { onAdd: (a: StepAction) => void; depth: number; onCancel?: () => void; testId?: string }) {
  return (
    <div className="add-step" data-testid={testId}>
      <span className="field-label">{onCancel ? 'Insert' : 'Add a step'}</span>
      {ACTIONS.filter((a) => a.action !== 'repeat' || depth + 1 < MAX_DEPTH).map((a) => (
        <button
          key={a.action}
          type="button"
          className="button button-sm"
          onClick={() => onAdd(a.action)}
          title={a.hint}
          data-testid={`add-${a.action}`}
        >
          <Icon name={a.icon} size={13} /> {a.label}
        </button>
      ))}
      {onCancel ? (
        <button type="button" className="icon-button icon-xs" onClick={onCancel} aria-label="Close">
          <Icon name="close" size={13} />
        </button>
      ) : null}
    </div>
  );
}

/** Keeps label, continue-on-failure and timeout when the action of a step changes. */
function changeAction(step: TestStep, action: StepAction): TestStep {
  const next = newStep(action);
  return {
    ...next,
    uid: step.uid,
    label: step.label,
    continue_on_failure: step.continue_on_failure,
    timeout_ms: step.timeout_ms,
  } as TestStep;
}

interface StepCardProps {
  step: TestStep;
  path: StepPath;
  number: string;
  first: boolean;
  last: boolean;
  edits: StepEdits;
}

function StepCard({ step, path, number, first, last, edits }: StepCardProps) {
  const ctx = useStepEditor();
  const [inserting, setInserting] = useState(false);
  const [options, setOptions] = useState(Boolean(step.label || step.timeout_ms));
  const info = actionInfo(step.action);
  // A step may have several problems (one per verification): the first marks its field, all are listed.
  const problems = ctx.errors.filter((e) => e.uid === step.uid);
  const error = problems[0] ?? null;
  const depth = path.length - 1;

  const change = (next: TestStep) => {
    if (error && step.uid) ctx.clearError(step.uid);
    edits.update(path, next);
  };

  return (
    <li className="step-item">
      <div
        className={`step-card${error ? ' invalid' : ''}${step.action === 'repeat' ? ' step-repeat' : ''}`}
        data-testid="step"
        data-action={step.action}
        data-uid={step.uid}
        id={step.uid ? `step-${step.uid}` : undefined}
      >
        <div className="step-head">
          <span className="step-number">{number}</span>
          <span className="step-icon" aria-hidden="true">
            <Icon name={info.icon} size={15} />
          </span>
          <select
            className="input select input-sm step-action"
            value={step.action}
            onChange={(e) => change(changeAction(step, e.target.value as StepAction))}
            aria-label={`Action of step ${number}`}
            data-testid="step-action"
          >
            {ACTIONS.filter((a) => a.action !== 'repeat' || step.action === 'repeat' || depth + 1 < MAX_DEPTH).map((a) => (
              <option key={a.action} value={a.action}>
                {a.label}
              </option>
            ))}
          </select>
          <span className="step-summary" title={stepSummary(step)}>
            {stepSummary(step)}
          </span>
          {step.continue_on_failure ? <span className="badge badge-muted">Continues on failure</span> : null}
          <span className="step-tools">
            <button type="button" className="icon-button icon-xs" onClick={() => edits.move(path, -1)} disabled={first} aria-label={`Move step ${number} up`} title="Move up">
              <Icon name="up" size={14} />
            </button>
            <button type="button" className="icon-button icon-xs" onClick={() => edits.move(path, 1)} disabled={last} aria-label={`Move step ${number} down`} title="Move down">
              <Icon name="down" size={14} />
            </button>
            <button
              type="button"
              className="icon-button icon-xs"
              onClick={() => setInserting((v) => !v)}
              aria-pressed={inserting}
              aria-label={`Insert a step after step ${number}`}
              title="Insert a step below"
            >
              <Icon name="plus" size={14} />
            </button>
            <button
              type="button"
              className="icon-button icon-xs"
              onClick={() => setOptions((v) => !v)}
              aria-pressed={options}
              aria-label={`Options of step ${number}`}
              title="Label, timeout"
            >
              <Icon name="more" size={14} />
            </button>
            <button
              type="button"
              className="icon-button icon-xs icon-button-danger"
              onClick={() => edits.remove(path)}
              aria-label={`Delete step ${number}`}
              title="Delete"
              data-testid="step-delete"
            >
              <Icon name="trash" size={14} />
            </button>
          </span>
        </div>
        <div className="step-body">
          <StepForm step={step} field={error ? error.field : null} onChange={change} />
        </div>
        <div className="step-foot">
          <label className="check-row small" title="When this step fails, the failure is recorded and the next steps still run">
            <input
              type="checkbox"
              checked={Boolean(step.continue_on_failure)}
              onChange={(e) => change({ ...step, continue_on_failure: e.target.checked })}
              data-testid="step-continue"
            />
            Continue on failure
          </label>
          {options ? (
            <>
              <label className="field-inline small grow">
                <span className="field-label">Label</span>
                <input
                  className="input input-sm grow"
                  value={step.label ?? ''}
                  onChange={(e) => change({ ...step, label: e.target.value })}
                  placeholder={stepSummary({ ...step, label: undefined })}
                  aria-label={`Label of step ${number}`}
                  aria-invalid={error?.field === 'label' || undefined}
                  data-testid="step-label"
                />
              </label>
              <label className="field-inline small" title="Hard limit for this step (empty: the action's default)">
                <span className="field-label">Step timeout</span>
                <input
                  className="input input-sm input-num-wide"
                  type="number"
                  min={1}
                  step={1000}
                  value={step.timeout_ms ?? ''}
                  placeholder="default"
                  onChange={(e) => {
                    const n = Number(e.target.value);
                    change({ ...step, timeout_ms: e.target.value.trim() && Number.isFinite(n) ? Math.round(n) : undefined });
                  }}
                  aria-invalid={error?.field === 'timeout_ms' || undefined}
                />
                <span className="muted">ms</span>
              </label>
            </>
          ) : null}
        </div>
        {error ? (
          <div className="form-error step-error" role="alert" data-testid="step-error">
            {problems.map((p, i) => (
              <p key={i}>
                <Icon name="alert" size={14} /> {p.message}
              </p>
            ))}
          </div>
        ) : null}
        {step.action === 'repeat' ? (
          <div className="step-children">
            <StepList steps={step.steps} parent={path} prefix={`${number}.`} edits={edits} />
          </div>
        ) : null}
      </div>
      {inserting ? (
        <AddStepBar
          depth={depth}
          onAdd={(action) => {
            edits.insert(path.slice(0, -1), (path[path.length - 1] ?? 0) + 1, newStep(action));
            setInserting(false);
          }}
          onCancel={() => setInserting(false)}
        />
      ) : null}
    </li>
  );
}

interface StepListProps {
  steps: TestStep[];
  parent: StepPath;
  /** Number prefix of nested steps ("2." gives 2.1, 2.2…). */
  prefix?: string;
  edits: StepEdits;
}

export function StepList({ steps, parent, prefix = '', edits }: StepListProps) {
  return (
    <div className="step-list">
      {steps.length > 0 ? (
        <ol className="step-items">
          {steps.map((step, i) => (
            <StepCard
              key={step.uid ?? i}
              step={step}
              path={[...parent, i]}
              number={`${prefix}${i + 1}`}
              first={i === 0}
              last={i === steps.length - 1}
              edits={edits}
            />
          ))}
        </ol>
      ) : parent.length > 0 ? (
        <p className="muted small">No step to repeat yet.</p>
      ) : null}
      <AddStepBar
        depth={parent.length}
        onAdd={(action) => edits.insert(parent, steps.length, newStep(action))}
        testId={parent.length === 0 ? 'add-step' : undefined}
      />
    </div>
  );
}
