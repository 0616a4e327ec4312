import { useEffect, useRef, useState } from 'react';
import type { FormEvent, KeyboardEvent } from 'react';
import { errorMessage } from '../api/client';

interface InlineEditProps {
  /** Accessible name of the field ("Name", "Expected text"). */
  label: string;
  initial: string;
  /** Saves the value; a rejection is shown under the field (the API's sentence). */
  onSave: (value: string) => Promise<void>;
  onCancel: () => void;
  validate?: (value: string) => string | null;
  mono?: boolean;
}

/** A field with Save and Cancel that replaces a value while it is edited. Enter saves, Escape cancels. */
export function InlineEdit({ label, initial, onSave, onCancel, validate, mono }: InlineEditProps) {
  const [value, setValue] = useState(initial);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, []);

  const problem = validate?.(value) ?? null;
  const unchanged = value.trim() === initial.trim();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (saving || problem) return;
    if (unchanged) {
      onCancel();
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await onSave(value.trim());
    } catch (err) {
      setError(errorMessage(err));
      setSaving(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onCancel();
    }
  };

  const shownError = error ?? (unchanged ? null : problem);
  return (
    <form className="inline-edit" onSubmit={(e) => void submit(e)}>
      <div className="inline-edit-row">
        <input
          ref={inputRef}
          className={mono ? 'input mono' : 'input'}
          aria-label={label}
          value={value}
          onChange={(e) => {
            setValue(e.target.value);
            setError(null);
          }}
          onKeyDown={onKeyDown}
          aria-invalid={shownError !== null}
          disabled={saving}
          autoComplete="off"
        />
        <button type="submit" className="button button-primary button-sm" disabled={saving || problem !== null}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="button button-sm" onClick={onCancel} disabled={saving}>
          Cancel
        </button>
      </div>
      {shownError ? (
        <p className="form-error" role="alert">
          {shownError}
        </p>
      ) : null}
    </form>
  );
}
