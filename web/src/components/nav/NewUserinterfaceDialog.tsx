// Creating a userinterface: its tree starts with "entry" and "home" joined by HOME.

import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { navApi } from '../../api/nav';
import type { Userinterface } from '../../api/nav';
import { Dialog } from './Dialog';

export function NewUserinterfaceDialog({ onCreated, onClose }: { onCreated: (ui: Userinterface) => void; onClose: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [model, setModel] = useState('stb');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async () => {
    if (!name.trim()) return;
    setBusy(true);
    setError(null);
    try {
      onCreated(
        await navApi.createUserinterface({
          name: name.trim(),
          description: description.trim() || undefined,
          models: model.trim() ? [model.trim()] : undefined,
        }),
      );
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="New userinterface"
      onClose={onClose}
      testId="new-ui-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button button-primary" disabled={busy || !name.trim()} onClick={() => void submit()}>
            {busy ? 'Creating…' : 'Create'}
          </button>
        </>
      }
    >
      <form
        className="stack-sm"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label className="field">
          <span className="field-label">Name</span>
          <input className="input" autoFocus value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. netflix-tv" />
        </label>
        <label className="field">
          <span className="field-label">Description</span>
          <input className="input" value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <label className="field">
          <span className="field-label">Device model</span>
          <input className="input" value={model} onChange={(e) => setModel(e.target.value)} placeholder="stb" />
        </label>
        <button type="submit" hidden />
      </form>
      <p className="muted small">Its tree starts with an entry node and a home node joined by the HOME key.</p>
      {error ? <p className="form-error" role="alert">{error}</p> : null}
    </Dialog>
  );
}
