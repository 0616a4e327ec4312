import { useState } from 'react';
import type { FormEvent } from 'react';
import { errorMessage } from '../../api/client';
import { api } from '../../api/endpoints';
import type { Area, Device, Reference, ReferenceKind } from '../../api/types';
import type { Verifier, VerifyRun } from '../../hooks/useVerify';
import { useVerify } from '../../hooks/useVerify';
import { formatArea } from '../../lib/area';
import { DEFAULT_USERINTERFACE, USERINTERFACE_KEY, usePreference } from '../../lib/preferences';
import { referenceNameProblem } from '../../lib/referenceNames';
import { Link } from '../../lib/router';
import { blackVerification, canTry, motionVerification, referenceVerification } from '../../lib/verifications';
import { Icon } from '../Icon';
import { KindBadge } from '../references/KindBadge';
import { ReferenceThumb } from '../references/ReferenceThumb';
import { Verdict } from '../verify/Verdict';

interface NewReferencePanelProps {
  device: Device;
  area: Area | null;
  /** Host offline, server unreachable, or no picture: nothing can be cut or checked. */
  disabled: boolean;
  onClearArea: () => void;
  onClose: () => void;
  /** Every finished check, so the page can outline where it matched on the picture. */
  onChecked: (run: VerifyRun) => void;
}

function KindChoice({ value, onChange, disabled }: { value: ReferenceKind; onChange: (k: ReferenceKind) => void; disabled: boolean }) {
  return (
    <div className="segmented" role="radiogroup" aria-label="Kind">
      {(['image', 'text'] as const).map((kind) => (
        <button
          key={kind}
          type="button"
          role="radio"
          aria-checked={value === kind}
          onClick={() => onChange(kind)}
          disabled={disabled}
        >
          <Icon name={kind === 'image' ? 'reference' : 'text'} size={14} />
          {kind === 'image' ? 'Image' : 'Text'}
        </button>
      ))}
    </div>
  );
}

interface CreatedProps {
  reference: Reference;
  device: Device;
  disabled: boolean;
  verifier: Verifier;
  onChecked: (run: VerifyRun) => void;
  onUpdated: (reference: Reference) => void;
}

/** The reference just saved: its crop, the text OCR read (editable) and "Try it now". */
function CreatedReference({ reference, device, disabled, verifier, onChecked, onUpdated }: CreatedProps) {
  const [text, setText] = useState(reference.text ?? '');
  const [savingText, setSavingText] = useState(false);
  const [textError, setTextError] = useState<string | null>(null);
  const textChanged = reference.kind === 'text' && text.trim() !== (reference.text ?? '').trim();

  const saveText = async (e: FormEvent) => {
    e.preventDefault();
    if (!textChanged || text.trim() === '') return;
    setSavingText(true);
    setTextError(null);
    try {
      const updated = await api.updateReference(reference.id, { text: text.trim() });
      onUpdated(updated);
      setText(updated.text ?? '');
    } catch (err) {
      setTextError(errorMessage(err));
    } finally {
      setSavingText(false);
    }
  };

  const tryIt = async () => {
    const run = await verifier.run(device.host, device.id, referenceVerification(reference, text.trim()), reference.name);
    if (run) onChecked(run);
  };

  return (
    <div className="panel-section created" data-testid="created-reference">
      <div className="created-head">
        <span className="subhead">Saved</span>
        <Link to="/references" className="small">
          Open References <Icon name="right" size={13} />
        </Link>
      </div>
      <ReferenceThumb reference={reference} />
      <div className="reference-head">
        <strong className="reference-name" title={reference.name}>
          {reference.name}
        </strong>
        <KindBadge kind={reference.kind} />
      </div>
      {reference.kind === 'text' ? (
        <form className="field" onSubmit={(e) => void saveText(e)}>
          <label className="field-label" htmlFor="created-text">
            Text read (what a check expects; <span className="mono">a|b</span> for alternatives)
          </label>
          <div className="inline-edit-row">
            <input
              id="created-text"
              className="input mono"
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder="Nothing was read — type the text to expect"
              disabled={savingText}
              autoComplete="off"
            />
            <button type="submit" className="button button-sm" disabled={!textChanged || text.trim() === '' || savingText}>
              {savingText ? 'Saving…' : 'Save text'}
            </button>
          </div>
          {textError ? <p className="form-error">{textError}</p> : null}
        </form>
      ) : null}
      <button
        type="button"
        className="button button-primary"
        onClick={() => void tryIt()}
        disabled={disabled || verifier.running !== null || !canTry(reference, text)}
      >
        <Icon name="target" size={15} /> {verifier.running === reference.name ? 'Checking…' : 'Try it now'}
      </button>
    </div>
  );
}

/** Side panel of the device view while an area is selected: save it as a reference, or check it. */
export function NewReferencePanel({ device, area, disabled, onClearArea, onClose, onChecked }: NewReferencePanelProps) {
  const [name, setName] = useState('');
  const [userinterface, setUserinterface, rememberUserinterface] = usePreference(USERINTERFACE_KEY, DEFAULT_USERINTERFACE);
  const [kind, setKind] = useState<ReferenceKind>('image');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<Reference | null>(null);
  const verifier = useVerify();

  const nameProblem = name === '' ? null : referenceNameProblem(name);
  const canSave = !disabled && area !== null && name.trim() !== '' && nameProblem === null && userinterface.trim() !== '';

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!canSave || !area || saving) return;
    setSaving(true);
    setError(null);
    try {
      const reference = await api.createReference({
        name: name.trim(),
        userinterface: userinterface.trim(),
        kind,
        area,
        source: { host: device.host, device: device.id },
      });
      rememberUserinterface(userinterface.trim());
      setCreated(reference);
      setName('');
      verifier.clear();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  const check = async (label: string, verification: Parameters<Verifier['run']>[2]) => {
    const run = await verifier.run(device.host, device.id, verification, label);
    if (run) onChecked(run);
  };

  return (
    <section className="panel new-reference" aria-labelledby="new-reference-title">
      <div className="panel-head">
        <h2 id="new-reference-title" className="panel-title">
          <Icon name="select" size={16} /> New reference
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Stop selecting an area" title="Close">
          <Icon name="close" size={15} />
        </button>
      </div>

      <div className="area-readout" data-testid="selected-area">
        {area ? (
          <>
            <span>
              <span className="muted">Area</span> <span className="mono">{formatArea(area)}</span>
            </span>
            <button type="button" className="button button-sm" onClick={onClearArea}>
              Clear
            </button>
          </>
        ) : (
          <span className="muted">Drag a rectangle on the picture to choose an area.</span>
        )}
      </div>

      <form className="new-reference-form" onSubmit={(e) => void save(e)}>
        <label className="field">
          <span className="field-label">Name</span>
          <input
            className="input"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setError(null);
            }}
            placeholder="e.g. settings_title"
            aria-invalid={nameProblem !== null}
            disabled={saving}
            autoComplete="off"
            data-testid="reference-name"
          />
        </label>
        <label className="field">
          <span className="field-label">Userinterface</span>
          <input
            className="input"
            value={userinterface}
            onChange={(e) => {
              setUserinterface(e.target.value);
              setError(null);
            }}
            disabled={saving}
            autoComplete="off"
            data-testid="reference-userinterface"
          />
        </label>
        <div className="field">
          <span className="field-label">Kind</span>
          <KindChoice value={kind} onChange={setKind} disabled={saving} />
          <span className="muted small">
            {kind === 'image'
              ? 'The picture inside the area is stored and looked for later.'
              : 'The text inside the area is read now (OCR); edit it after saving.'}
          </span>
        </div>
        {nameProblem ? <p className="form-error">{nameProblem}</p> : null}
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button button-primary" disabled={!canSave || saving}>
          <Icon name="check" size={15} /> {saving ? (kind === 'text' ? 'Reading…' : 'Saving…') : 'Save reference'}
        </button>
      </form>

      <div className="panel-section">
        <span className="subhead">Check this area now</span>
        <div className="button-row">
          <button
            type="button"
            className="button"
            disabled={disabled || !area || verifier.running !== null}
            onClick={() => area && void check('Is it black?', blackVerification(area))}
          >
            {verifier.running === 'Is it black?' ? 'Checking…' : 'Is it black?'}
          </button>
          <button
            type="button"
            className="button"
            disabled={disabled || !area || verifier.running !== null}
            onClick={() => area && void check('Motion?', motionVerification(area))}
          >
            {verifier.running === 'Motion?' ? 'Watching…' : 'Motion?'}
          </button>
        </div>
      </div>

      {created ? (
        <CreatedReference
          key={created.id}
          reference={created}
          device={device}
          disabled={disabled}
          verifier={verifier}
          onChecked={onChecked}
          onUpdated={setCreated}
        />
      ) : null}

      {verifier.last ? <Verdict run={verifier.last} /> : null}
    </section>
  );
}
