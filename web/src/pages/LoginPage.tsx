import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { ApiError, errorMessage, isNetworkError } from '../api/client';
import { Icon } from '../components/Icon';
import { usePasswordChange } from '../components/ChangePasswordDialog';
import { Banner } from '../components/States';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useAuth } from '../store/Auth';
import type { SignedOutReason } from '../store/Auth';

/** The centred card every signed-out screen uses: the product's mark, then the content. */
export function AuthShell({ children }: { children: ReactNode }) {
  return (
    <div className="auth-screen">
      <div className="auth-card">
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true">
            <Icon name="devices" size={20} />
          </span>
          <div>
            <div className="auth-product">vpt</div>
            <div className="muted small">Device testing and monitoring for TVs and set-top boxes</div>
          </div>
        </div>
        {children}
      </div>
    </div>
  );
}

const REASONS: Record<Exclude<SignedOutReason, null>, { tone: 'info' | 'warning'; text: string }> = {
  expired: { tone: 'warning', text: 'Your session ended. Sign in again to carry on where you were.' },
  'signed-out': { tone: 'info', text: 'You signed out.' },
  'password-changed': { tone: 'info', text: 'Your password was changed. Sign in with the new one.' },
};

function describeFailure(err: unknown): string {
  if (isNetworkError(err)) return 'The vpt server does not answer. Check that it is running, then try again.';
  if (err instanceof ApiError) {
    if (err.code === 'bad_credentials') return 'Wrong user name or password.';
    if (err.status === 429) {
      const wait = Number(err.body.retry_after_s);
      return Number.isFinite(wait) && wait > 0
        ? `Too many failed attempts: try again in ${wait < 90 ? `${wait} seconds` : `${Math.ceil(wait / 60)} minutes`}.`
        : errorMessage(err);
    }
  }
  return errorMessage(err);
}

export function LoginPage({ reason }: { reason: SignedOutReason }) {
  useDocumentTitle('Sign in');
  const { signIn } = useAuth();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const notice = reason && !error ? REASONS[reason] : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || !password) {
      setError('Enter your user name and password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(name.trim(), password);
    } catch (err) {
      setError(describeFailure(err));
      setPassword('');
      setBusy(false);
    }
  };

  return (
    <AuthShell>
      <h1 className="auth-title">Sign in</h1>
      {notice ? (
        <Banner tone={notice.tone} icon={reason === 'expired' ? 'clock' : 'check'}>
          <span data-testid="login-notice">{notice.text}</span>
        </Banner>
      ) : null}
      {error ? (
        <Banner tone="danger">
          <span data-testid="login-error">{error}</span>
        </Banner>
      ) : null}
      <form className="auth-form" onSubmit={(e) => void submit(e)} noValidate>
        <label className="field">
          <span className="field-label">User name</span>
          <input
            className="input"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            autoFocus
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="login-name"
          />
        </label>
        <label className="field">
          <span className="field-label">Password</span>
          <input
            className="input"
            type="password"
            name="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
        </label>
        <button type="submit" className="button button-primary auth-submit" disabled={busy} data-testid="login-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="muted small auth-foot">
        No account yet? An admin creates users on the Users page, or on the server with <code>vpt user add</code>.
      </p>
    </AuthShell>
  );
}

/**
 * Shown instead of the app to a user whose password was generated (the first admin): the server
 * refuses everything else until it is replaced. Once changed, the user signs in with the new one.
 */
export function ChoosePasswordPage({ name }: { name: string }) {
  useDocumentTitle('Choose a password');
  const { passwordChanged, signOut } = useAuth();
  const change = usePasswordChange(passwordChanged, 'Generated password');
  const [leaving, setLeaving] = useState(false);

  return (
    <AuthShell>
      <h1 className="auth-title">Choose your password</h1>
      <Banner tone="warning" icon="lock">
        <span data-testid="choose-password-notice">
          The password of <strong>{name}</strong> was generated when vpt was set up. Choose your own before you carry on; then sign in with it.
        </span>
      </Banner>
      <div className="auth-form" data-testid="choose-password">
        {change.fields}
        {change.formError}
        <button
          type="button"
          className="button button-primary auth-submit"
          disabled={change.busy}
          onClick={() => void change.submit()}
          data-testid="choose-password-save"
        >
          {change.busy ? 'Saving…' : 'Save password'}
        </button>
      </div>
      <p className="muted small auth-foot">
        Not now?{' '}
        <button
          type="button"
          className="button button-sm"
          disabled={leaving}
          onClick={() => {
            setLeaving(true);
            void signOut().catch(() => setLeaving(false));
          }}
          data-testid="choose-password-sign-out"
        >
          Sign out
        </button>
      </p>
    </AuthShell>
  );
}
