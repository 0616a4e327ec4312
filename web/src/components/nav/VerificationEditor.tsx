// A node's verifications: pick references of the userinterface, or a black/motion/freeze check.

import { useState } from 'react';
import type { NavVerification, PassMode } from '../../api/nav';
import type { Reference } from '../../api/types';
import { Icon } from '../Icon';

interface VerificationEditorProps {
  verifications: NavVerification[];
  pass: PassMode;
  references: Reference[] | null;
  referencesError: string | null;
  userinterface: string;
  readOnly: boolean;
  onChange: (verifications: NavVerification[]) => void;
  onPass: (pass: PassMode) => void;
}

function describe(v: NavVerification): { title: string; sub: string } {
  const mode = v.mode === 'absent' ? ' (absent)' : '';
  switch (v.kind) {
    case 'image':
      return { title: v.reference ?? 'image', sub: `image reference${mode}` };
    case 'text':
      return v.reference ? { title: v.reference, sub: `text reference${mode}` } : { title: `“${v.expect ?? ''}”`, sub: `text on screen${mode}` };
    case 'black':
      return { title: 'Black screen', sub: `black${mode}` };
    case 'motion':
      return { title: 'Motion', sub: `video plays${mode}` };
    case 'freeze':
      return { title: 'Frozen picture', sub: `for ${v.duration_ms ?? 1000} ms${mode}` };
    default:
      return { title: String(v.kind), sub: '' };
  }
}

const BUILT_IN: Record<string, NavVerification> = {
  'builtin:black': { kind: 'black' },
  'builtin:motion': { kind: 'motion' },
  'builtin:freeze': { kind: 'freeze', duration_ms: 1000 },
};

export function VerificationEditor(props: VerificationEditorProps) {
  const { verifications, pass, references, referencesError, userinterface, readOnly, onChange, onPass } = props;
  const [choice, setChoice] = useState('');
  const [expect, setExpect] = useState('');
  const mine = (references ?? []).filter((r) => r.userinterface === userinterface);

  const add = () => {
    if (choice === 'builtin:text') {
      if (!expect.trim()) return;
      onChange([...verifications, { kind: 'text', expect: expect.trim() }]);
      setExpect('');
    } else if (BUILT_IN[choice]) {
      onChange([...verifications, BUILT_IN[choice] as NavVerification]);
    } else {
      const ref = mine.find((r) => `ref:${r.id}` === choice);
      if (!ref) return;
      onChange([...verifications, { kind: ref.kind, reference: ref.name }]);
    }
    setChoice('');
  };

  const toggleMode = (i: number) =>
    onChange(verifications.map((v, j) => (j === i ? { ...v, mode: v.mode === 'absent' ? 'present' : 'absent' } : v)));

  return (
    <div className="verif-editor" data-testid="verifications">
      <div className="action-list-head">
        <span className="field-label">Verifications (prove the device is here)</span>
        {verifications.length > 1 ? (
          <div className="segmented" role="group" aria-label="Which verifications must pass">
            {(['all', 'any'] as const).map((mode) => (
              <button
                key={mode}
                type="button"
                aria-pressed={pass === mode}
                disabled={readOnly}
                onClick={() => onPass(mode)}
                title={mode === 'all' ? 'Every verification must pass' : 'One passing verification is enough'}
                data-testid={`pass-${mode}`}
              >
                {mode === 'all' ? 'All pass' : 'Any passes'}
              </button>
            ))}
          </div>
        ) : null}
      </div>
      {verifications.length === 0 ? (
        <p className="muted small">None: arriving here always passes. Add a reference that only this screen shows.</p>
      ) : (
        <ul className="verif-items">
          {verifications.map((v, i) => {
            const ref = v.reference ? mine.find((r) => r.name === v.reference) : undefined;
            const { title, sub } = describe(v);
            return (
              <li key={i} className="verif-item">
                {ref ? (
                  <img className="verif-thumb" src={ref.image_url} alt="" />
                ) : (
                  <span className="verif-thumb verif-thumb-icon">
                    <Icon name={v.kind === 'text' ? 'text' : v.kind === 'image' ? 'reference' : 'target'} size={16} />
                  </span>
                )}
                <span className="verif-text">
                  <span className="verif-title">{title}</span>
                  <span className="muted small">
                    {sub}
                    {v.reference && references && !ref ? ' · missing in this userinterface' : ''}
                  </span>
                </span>
                {!readOnly ? (
                  <>
                    <button type="button" className="button button-sm" onClick={() => toggleMode(i)} title="Present or absent">
                      {v.mode === 'absent' ? 'Absent' : 'Present'}
                    </button>
                    <button type="button" className="icon-button icon-xs icon-button-danger" onClick={() => onChange(verifications.filter((_, j) => j !== i))} aria-label={`Remove ${title}`}>
                      <Icon name="close" size={13} />
                    </button>
                  </>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      {!readOnly ? (
        <div className="action-add">
          <select className="input select input-sm verif-select" value={choice} onChange={(e) => setChoice(e.target.value)} aria-label="Verification to add" data-testid="verification-choice">
            <option value="">Add a verification…</option>
            {mine.length ? (
              <optgroup label={`References of ${userinterface}`}>
                {mine.map((r) => (
                  <option key={r.id} value={`ref:${r.id}`}>
                    {r.name} ({r.kind})
                  </option>
                ))}
              </optgroup>
            ) : null}
            <optgroup label="Checks">
              <option value="builtin:text">Text on screen…</option>
              <option value="builtin:black">Black screen</option>
              <option value="builtin:motion">Motion (video plays)</option>
              <option value="builtin:freeze">Frozen picture</option>
            </optgroup>
          </select>
          {choice === 'builtin:text' ? (
            <input className="input input-sm" placeholder="Expected text" value={expect} onChange={(e) => setExpect(e.target.value)} />
          ) : null}
          <button type="button" className="button button-sm" onClick={add} disabled={!choice || (choice === 'builtin:text' && !expect.trim())}>
            Add
          </button>
        </div>
      ) : null}
      {referencesError ? <p className="form-error">References could not be loaded: {referencesError}</p> : null}
      {references && mine.length === 0 && !readOnly ? (
        <p className="muted small">
          {userinterface} has no references yet. Cut one from a device's live picture (Devices → Select area).
        </p>
      ) : null}
    </div>
  );
}
