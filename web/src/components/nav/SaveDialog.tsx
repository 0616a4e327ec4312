// Saving the draft as a new version, with a message for the history.

import { useState } from 'react';
import { Dialog } from './Dialog';

interface SaveDialogProps {
  version: number;
  changes: string;
  busy: boolean;
  error: string | null;
  onSave: (message: string) => void;
  onClose: () => void;
}

export function SaveDialog({ version, changes, busy, error, onSave, onClose }: SaveDialogProps) {
  const [message, setMessage] = useState('');
  return (
    <Dialog
      title={`Save as version ${version + 1}`}
      onClose={onClose}
      testId="save-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button button-primary" disabled={busy} onClick={() => onSave(message.trim())} data-testid="save-confirm">
            {busy ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <p className="muted small">{changes}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSave(message.trim());
        }}
      >
        <label className="field">
          <span className="field-label">What changed (shown in the history)</span>
          <input className="input" autoFocus value={message} onChange={(e) => setMessage(e.target.value)} placeholder="e.g. Add the Wi-Fi screen" data-testid="save-message" maxLength={200} />
        </label>
      </form>
      {error ? <p className="form-error" role="alert">{error}</p> : null}
    </Dialog>
  );
}
