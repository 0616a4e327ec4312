// The fields of one step, by action (verify and repeat have their own components).

import type { GotoStep, PowerChoice, PressStep, TestStep } from '../../api/testing';
import { keyLabel } from '../../lib/remoteKeys';
import { useStepEditor } from './stepEditorContext';
import { ChipsInput } from './ChipsInput';
import { VerifyForm } from './VerifyForm';

/** Keys offered as one-click buttons under a press step. */
const QUICK_KEYS = ['UP', 'DOWN', 'LEFT', 'RIGHT', 'OK', 'BACK', 'HOME', 'MENU'];

function int(text: string, fallback: number): number {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? Math.max(0, Math.round(n)) : fallback;
}

function NodePicker({ step, invalid, onChange }: { step: GotoStep; invalid: boolean; onChange: (s: GotoStep) => void }) {
  const ctx = useStepEditor();
  if (!ctx.userinterface) {
    return <p className="muted small">Choose the test case’s userinterface first: its navigation tree knows the screens.</p>;
  }
  if (ctx.nodesError || (ctx.nodes && ctx.nodes.length === 0)) {
    return (
      <label className="field">
        <span className="field-label">Node id</span>
        <input
          className="input input-sm"
          value={step.node}
          onChange={(e) => onChange({ ...step, node: e.target.value })}
          aria-invalid={invalid || undefined}
          data-testid="goto-node"
        />
        {ctx.nodesError ? <span className="muted small">The tree could not be loaded ({ctx.nodesError}); type the node id.</span> : null}
      </label>
    );
  }
  const known = ctx.nodes?.some((n) => n.id === step.node) ?? true;
  return (
    <label className="field-inline">
      <span className="field-label">Screen</span>
      <select
        className="input select input-sm node-select"
        value={step.node}
        onChange={(e) => onChange({ ...step, node: e.target.value })}
        aria-invalid={invalid || !known || undefined}
        data-testid="goto-node"
        disabled={ctx.nodes === null}
      >
        <option value="">{ctx.nodes === null ? 'Loading the tree…' : 'Choose a node…'}</option>
        {(ctx.nodes ?? []).map((n) => (
          <option key={n.id} value={n.id}>
            {n.label && n.label !== n.id ? `${n.label} (${n.id})` : n.id}
          </option>
        ))}
        {step.node && !known ? <option value={step.node}>{step.node} (not in the tree)</option> : null}
      </select>
    </label>
  );
}

function PressForm({ step, field, onChange }: { step: PressStep; field: string | null; onChange: (s: PressStep) => void }) {
  const ctx = useStepEditor();
  return (
    <div className="step-fields">
      <div className="field grow">
        <ChipsInput
          values={step.keys}
          onChange={(keys) => onChange({ ...step, keys })}
          suggestions={ctx.keys}
          display={keyLabel}
          normalize={(t) => t.trim().toUpperCase().replace(/\s+/g, '_')}
          allowDuplicates
          placeholder="Type a key name (OK, DOWN, CHANNEL_UP…) and press Enter"
          label="Keys"
          invalid={field?.startsWith('keys')}
          listId={`keys-${step.uid ?? 'x'}`}
          testId="press-keys"
        />
        <div className="quick-keys" aria-label="Add a key">
          {QUICK_KEYS.map((key) => (
            <button key={key} type="button" className="key-chip" onClick={() => onChange({ ...step, keys: [...step.keys, key] })}>
              {keyLabel(key)}
            </button>
          ))}
        </div>
      </div>
      <label className="field-inline small">
        <span className="field-label">Repeat</span>
        <input
          className="input input-sm input-num"
          type="number"
          min={1}
          max={100}
          value={step.repeat ?? 1}
          onChange={(e) => onChange({ ...step, repeat: int(e.target.value, 1) })}
          aria-invalid={field === 'repeat' || undefined}
          aria-label="Repeat the keys"
        />
        <span className="muted">×</span>
      </label>
      <label className="field-inline small">
        <span className="field-label">Hold</span>
        <input
          className="input input-sm input-num"
          type="number"
          min={0}
          step={100}
          value={step.hold_ms ?? 0}
          onChange={(e) => onChange({ ...step, hold_ms: int(e.target.value, 0) })}
          aria-invalid={field === 'hold_ms' || undefined}
          aria-label="Hold each key (ms)"
        />
        <span className="muted">ms</span>
      </label>
    </div>
  );
}

interface StepFormProps {
  step: TestStep;
  /** The field a server error names in this step ('' for the step as a whole), or null. */
  field: string | null;
  onChange: (step: TestStep) => void;
}

export function StepForm({ step, field, onChange }: StepFormProps) {
  switch (step.action) {
    case 'goto':
      return <NodePicker step={step} invalid={field !== null} onChange={onChange} />;
    case 'press':
      return <PressForm step={step} field={field} onChange={onChange} />;
    case 'text':
      return (
        <input
          className="input input-sm step-wide"
          value={step.text}
          onChange={(e) => onChange({ ...step, text: e.target.value })}
          placeholder="Text to type"
          aria-label="Text to type"
          aria-invalid={field !== null || undefined}
          data-testid="text-text"
        />
      );
    case 'verify':
      return <VerifyForm step={step} field={field} onChange={onChange} />;
    case 'wait':
      return (
        <label className="field-inline small">
          <span className="field-label">Wait</span>
          <input
            className="input input-sm input-num-wide"
            type="number"
            min={0}
            max={600000}
            step={100}
            value={step.ms}
            onChange={(e) => onChange({ ...step, ms: int(e.target.value, 0) })}
            aria-label="Wait (ms)"
            aria-invalid={field !== null || undefined}
            data-testid="wait-ms"
          />
          <span className="muted">ms</span>
        </label>
      );
    case 'screenshot':
      return (
        <input
          className="input input-sm step-wide"
          value={step.name ?? ''}
          onChange={(e) => onChange({ ...step, name: e.target.value })}
          placeholder="Name in the report (optional)"
          aria-label="Screenshot name"
          aria-invalid={field !== null || undefined}
        />
      );
    case 'power':
      return (
        <div className="segmented segmented-sm" role="radiogroup" aria-label="Power">
          {(['on', 'off', 'cycle'] as PowerChoice[]).map((p) => (
            <button key={p} type="button" role="radio" aria-checked={step.power === p} onClick={() => onChange({ ...step, power: p })}>
              {p === 'on' ? 'On' : p === 'off' ? 'Off' : 'Cycle'}
            </button>
          ))}
        </div>
      );
    case 'repeat':
      // Inner steps are drawn by the step list itself.
      return (
        <label className="field-inline small">
          <span className="field-label">Times</span>
          <input
            className="input input-sm input-num"
            type="number"
            min={1}
            max={100}
            value={step.times}
            onChange={(e) => onChange({ ...step, times: int(e.target.value, 1) })}
            aria-label="Times"
            aria-invalid={field === 'times' || undefined}
            data-testid="repeat-times"
          />
          <span className="muted">×</span>
        </label>
      );
  }
}
