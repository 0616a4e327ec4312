// A verify step: one or more checks of the picture, each with its reference, mode and wait.

import type { TestVerification, TestVerificationKind, TestVerificationMode, VerifyStep } from '../../api/testing';
import { verificationIndexOf } from '../../lib/testSteps';
import { Icon } from '../Icon';
import { useStepEditor } from './stepEditorContext';

const KINDS: { kind: TestVerificationKind; label: string }[] = [
  { kind: 'image', label: 'Image reference' },
  { kind: 'text', label: 'Text' },
  { kind: 'black', label: 'Black screen' },
  { kind: 'motion', label: 'Motion (video plays)' },
  { kind: 'freeze', label: 'Frozen picture' },
];

const MODES: { mode: TestVerificationMode; label: string }[] = [
  { mode: 'present', label: 'Present' },
  { mode: 'absent', label: 'Absent' },
  { mode: 'appear_then_disappear', label: 'Appears, then disappears' },
];

/** Default wait of a verification in a test case (docs/testing.md). */
export const DEFAULT_VERIFY_TIMEOUT_MS = 5000;

function fresh(kind: TestVerificationKind, previous: TestVerification): TestVerification {
  const keep: TestVerification = { kind };
  if (previous.mode) keep.mode = previous.mode;
  if (previous.timeout_ms !== undefined) keep.timeout_ms = previous.timeout_ms;
  if (kind === 'freeze') keep.duration_ms = 2000;
  if (kind === 'text') keep.expect = '';
  return keep;
}

function numberOrUndefined(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? Math.max(0, Math.round(n)) : undefined;
}

function VerificationRow({
  v,
  index,
  invalidField,
  onChange,
  onRemove,
}: {
  v: TestVerification;
  index: number;
  invalidField: string | null;
  onChange: (v: TestVerification) => void;
  onRemove: (() => void) | null;
}) {
  const ctx = useStepEditor();
  const refs = (ctx.references ?? []).filter((r) => r.kind === v.kind);
  const chosen = v.reference ? (ctx.references ?? []).find((r) => r.name === v.reference) : undefined;
  const bad = (field: string) => invalidField !== null && (invalidField === '' || invalidField.startsWith(field));
  const textByReference = v.kind === 'text' && v.reference !== undefined;
  const noUi = !ctx.userinterface;

  const referenceSelect = (
    <select
      className="input select input-sm"
      value={v.reference ?? ''}
      onChange={(e) => {
        const { expect: _expect, ...rest } = v;
        onChange({ ...rest, reference: e.target.value });
      }}
      aria-label="Reference"
      aria-invalid={bad('reference') || undefined}
      data-testid="verification-reference"
      disabled={noUi}
    >
      <option value="">{noUi ? 'Choose a userinterface first' : ctx.references === null ? 'Loading…' : 'Choose a reference…'}</option>
      {refs.map((r) => (
        <option key={r.id} value={r.name}>
          {r.name}
        </option>
      ))}
      {v.reference && !refs.some((r) => r.name === v.reference) ? (
        <option value={v.reference}>{v.reference} (not found)</option>
      ) : null}
    </select>
  );

  return (
    <li className={invalidField !== null ? 'verif-row invalid' : 'verif-row'} data-testid={`verification-${index}`}>
      <span className="verif-thumb-slot">
        {chosen ? (
          <img className="verif-thumb" src={chosen.image_url} alt="" />
        ) : (
          <span className="verif-thumb verif-thumb-icon">
            <Icon name={v.kind === 'text' ? 'text' : v.kind === 'image' ? 'reference' : 'target'} size={15} />
          </span>
        )}
      </span>
      <div className="verif-fields">
        <select
          className="input select input-sm"
          value={v.kind}
          onChange={(e) => onChange(fresh(e.target.value as TestVerificationKind, v))}
          aria-label="Kind of check"
          data-testid="verification-kind"
        >
          {KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
          {!KINDS.some((k) => k.kind === v.kind) ? <option value={v.kind}>{v.kind}</option> : null}
        </select>

        {v.kind === 'image' ? referenceSelect : null}

        {v.kind === 'text' ? (
          <>
            <div className="segmented segmented-sm" role="radiogroup" aria-label="Expected text from">
              <button
                type="button"
                role="radio"
                aria-checked={!textByReference}
                onClick={() => {
                  const { reference: _r, ...rest } = v;
                  onChange({ ...rest, expect: v.expect ?? '' });
                }}
              >
                Text
              </button>
              <button
                type="button"
                role="radio"
                aria-checked={textByReference}
                onClick={() => {
                  const { expect: _e, ...rest } = v;
                  onChange({ ...rest, reference: v.reference ?? '' });
                }}
              >
                Reference
              </button>
            </div>
            {textByReference ? (
              referenceSelect
            ) : (
              <input
                className="input input-sm verif-expect"
                value={v.expect ?? ''}
                onChange={(e) => onChange({ ...v, expect: e.target.value })}
                placeholder="Expected text (a|b for either)"
                aria-label="Expected text"
                aria-invalid={bad('expect') || undefined}
                data-testid="verification-expect"
              />
            )}
          </>
        ) : null}

        {v.kind === 'freeze' ? (
          <label className="field-inline small">
            <span className="field-label">for</span>
            <input
              className="input input-sm input-num"
              type="number"
              min={100}
              step={100}
              value={v.duration_ms ?? ''}
              onChange={(e) => onChange({ ...v, duration_ms: numberOrUndefined(e.target.value) })}
              aria-label="Frozen for (ms)"
              aria-invalid={bad('duration_ms') || undefined}
            />
            <span className="muted">ms</span>
          </label>
        ) : null}

        <select
          className="input select input-sm"
          value={v.mode ?? 'present'}
          onChange={(e) => onChange({ ...v, mode: e.target.value as TestVerificationMode })}
          aria-label="Mode"
          aria-invalid={bad('mode') || undefined}
          data-testid="verification-mode"
        >
          {MODES.map((m) => (
            <option key={m.mode} value={m.mode}>
              {m.label}
            </option>
          ))}
        </select>

        <label className="field-inline small" title="How long to wait for the condition (0: the current picture only)">
          <span className="field-label">within</span>
          <input
            className="input input-sm input-num"
            type="number"
            min={0}
            step={500}
            value={v.timeout_ms ?? ''}
            placeholder={String(DEFAULT_VERIFY_TIMEOUT_MS)}
            onChange={(e) => onChange({ ...v, timeout_ms: numberOrUndefined(e.target.value) })}
            aria-label="Wait up to (ms)"
            aria-invalid={bad('timeout_ms') || undefined}
          />
          <span className="muted">ms</span>
        </label>
      </div>
      {onRemove ? (
        <button type="button" className="icon-button icon-xs icon-button-danger" onClick={onRemove} aria-label="Remove this check" title="Remove">
          <Icon name="close" size={13} />
        </button>
      ) : null}
    </li>
  );
}

export function VerifyForm({ step, field, onChange }: { step: VerifyStep; field: string | null; onChange: (step: VerifyStep) => void }) {
  const ctx = useStepEditor();
  const errorIndex = field !== null ? verificationIndexOf(field) : null;
  const set = (verifications: TestVerification[]) => onChange({ ...step, verifications });
  return (
    <div className="verify-form">
      {step.verifications.length === 0 ? (
        <p className="muted small">No check yet: add what the screen should (or should not) show.</p>
      ) : (
        <ul className="verif-rows">
          {step.verifications.map((v, i) => (
            <VerificationRow
              key={i}
              v={v}
              index={i}
              invalidField={errorIndex === i && field ? field.replace(/^verifications\[\d+\]\.?/, '') : null}
              onChange={(next) => set(step.verifications.map((old, j) => (j === i ? next : old)))}
              onRemove={() => set(step.verifications.filter((_, j) => j !== i))}
            />
          ))}
        </ul>
      )}
      <div className="verify-foot">
        <button
          type="button"
          className="button button-sm"
          onClick={() => {
            const hasImages = (ctx.references ?? []).some((r) => r.kind === 'image');
            set([...step.verifications, hasImages ? { kind: 'image', reference: '' } : { kind: 'black', mode: 'absent' }]);
          }}
          data-testid="add-verification"
        >
          <Icon name="plus" size={13} /> Add a check
        </button>
        {step.verifications.length > 1 ? (
          <div className="segmented segmented-sm" role="radiogroup" aria-label="Which checks must pass">
            {(['all', 'any'] as const).map((pass) => (
              <button
                key={pass}
                type="button"
                role="radio"
                aria-checked={(step.pass ?? 'all') === pass}
                onClick={() => onChange({ ...step, pass })}
              >
                {pass === 'all' ? 'All must pass' : 'One is enough'}
              </button>
            ))}
          </div>
        ) : null}
        {ctx.referencesError ? <span className="form-error">References could not be loaded: {ctx.referencesError}</span> : null}
      </div>
    </div>
  );
}
