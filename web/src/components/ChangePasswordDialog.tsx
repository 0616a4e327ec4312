import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, asSentence, errorMessage } from '../api/client';
import { authApi } from '../api/auth';
import { useAuth } from '../store/Auth';
import { Dialog, DialogButtons } from './nav/Dialog';

export const MIN_PASSWORD_CHARS = 8;
export const MAX_PASSWORD_CHARS = 256;

/** Why a new password cannot be used, or null when it can. */
export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_CHARS) return `At least ${MIN_PASSWORD_CHARS} characters.`;
  if (length > MAX_PASSWORD_CHARS) return `At most ${MAX_PASSWORD_CHARS} characters.`;
  return null;
}

/**
 * The fields of a password change (current, new, new again) with their checks and the call to
 * the server; `onChanged` runs once the server took the new password (it has then ended every
 * session of the user, this one included). Used by the dialog of the user menu and by the page
 * that makes a user replace a generated password.
 */
export function usePasswordChange(onChanged: () => void, currentLabel = 'Current password') {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field: 'current' | 'next' | 'repeat' | 'form'; message: string } | null>(null);

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    const weak = passwordProblem(next);
    if (!current) return setError({ field: 'current', message: 'Enter your current password.' });
    if (weak) return setError({ field: 'next', message: weak });
    if (next === current) return setError({ field: 'next', message: 'Choose a password different from the current one.' });
    if (repeat !== next) return setError({ field: 'repeat', message: 'The two new passwords differ.' });
    setBusy(true);
    setError(null);
    try {
      await authApi.changePassword(current, next);
      onChanged();
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.code === 'wrong_password') setError({ field: 'current', message: 'This is not your current password.' });
      else if (err instanceof ApiError && err.code === 'weak_password') setError({ field: 'next', message: asSentence(errorMessage(err)) });
      else if (err instanceof ApiError && err.code === 'slow_down') {
        const wait = Number(err.body.retry_after_s);
        setError({ field: 'current', message: `Too many wrong passwords: try again in ${Number.isFinite(wait) ? wait : 'a few'} seconds.` });
      } else setError({ field: 'form', message: asSentence(errorMessage(err)) });
    }
  };

  const problem = (field: 'current' | 'next' | 'repeat') =>
    error?.field === field ? (
      <span className="field-error" role="alert">
        {error.message}
      </span>
    ) : null;

  const fields = (
    <form className="stack-sm" onSubmit={(e) => void submit(e)} noValidate>
      <label className="field">
        <span className="field-label">{currentLabel}</span>
        <input
          className="input"
          type="password"
          autoComplete="current-password"
          autoFocus
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          aria-invalid={error?.field === 'current' || undefined}
          data-testid="password-current"
        />
        {problem('current')}
      </label>
      <label className="field">
        <span className="field-label">New password</span>
        <input
          className="input"
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          aria-invalid={error?.field === 'next' || undefined}
          data-testid="password-new"
        />
        {problem('next') ?? <span className="field-help">At least {MIN_PASSWORD_CHARS} characters, not a common password nor your user name.</span>}
      </label>
      <label className="field">
        <span className="field-label">New password again</span>
        <input
          className="input"
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
          aria-invalid={error?.field === 'repeat' || undefined}
          data-testid="password-repeat"
        />
        {problem('repeat')}
      </label>
      {/* Enter in a field submits. */}
      <button type="submit" hidden />
    </form>
  );
  const formError =
    error?.field === 'form' ? (
      <p className="form-error" role="alert">
        {error.message}
      </p>
    ) : null;
  return { fields, formError, submit, busy };
}

export function ChangePasswordDialog({ onClose }: { onClose: () => void }) {
  const { passwordChanged } = useAuth();
  const change = usePasswordChange(() => {
    onClose();
    passwordChanged();
  });

  return (
    <Dialog
      title="Change your password"
      onClose={onClose}
      testId="password-dialog"
      footer={
        <DialogButtons
          onCancel={onClose}
          onConfirm={() => void change.submit()}
          busy={change.busy}
          label="Change password"
          busyLabel="Changing…"
          testId="password-save"
        />
      }
    >
      {change.fields}
      <p className="muted small">Changing it signs you out everywhere, here too: sign in again with the new password.</p>
      {change.formError}
    </Dialog>
  );
}
