import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, asSentence, errorMessage } from '../api/client';
import { ROLES, ROLE_LABELS, authApi, roleAtLeast } from '../api/auth';
import type { ApiToken, CreatedToken, Role } from '../api/auth';
import { CopyBox } from '../components/CopyBox';
import { Icon } from '../components/Icon';
import { Dialog, DialogButtons } from '../components/nav/Dialog';
import { RoleBadge } from '../components/RoleGate';
import { Banner, EmptyState, ErrorState } from '../components/States';
import { ConfirmDialog } from '../components/testing/ConfirmDialog';
import { TableSkeleton } from '../components/testing/TableSkeleton';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useLoad } from '../hooks/useLoad';
import { useNow } from '../hooks/useNow';
import { formatAgo, formatDateTime } from '../lib/format';
import { useAuth } from '../store/Auth';

const MAX_EXPIRY_DAYS = 3650;
const EXPIRY_CHOICES = [7, 30, 90, 365];

type TokenState = 'active' | 'expired' | 'revoked';

function stateOf(token: ApiToken, now: number): TokenState {
  if (token.revoked_at) return 'revoked';
  if (token.expires_at && Date.parse(token.expires_at) <= now) return 'expired';
  return 'active';
}

function StateBadge({ state }: { state: TokenState }) {
  if (state === 'active') return <span className="badge badge-good">Active</span>;
  if (state === 'expired') return <span className="badge badge-warn">Expired</span>;
  return <span className="badge badge-muted">Revoked</span>;
}

function NewTokenDialog({ myRole, onCreated, onClose }: { myRole: Role; onCreated: (t: CreatedToken) => void; onClose: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(myRole === 'admin' ? 'tester' : myRole);
  const [expiry, setExpiry] = useState('90');
  const [custom, setCustom] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field: 'name' | 'expiry' | 'form'; message: string } | null>(null);
  const allowed = ROLES.filter((r) => roleAtLeast(myRole, r));

  const days = expiry === 'never' ? null : expiry === 'custom' ? Number(custom) : Number(expiry);

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!name.trim()) return setError({ field: 'name', message: 'Give the token a name, e.g. what uses it.' });
    if (days !== null && !(Number.isInteger(days) && days >= 1 && days <= MAX_EXPIRY_DAYS)) {
      return setError({ field: 'expiry', message: `A whole number of days, 1 to ${MAX_EXPIRY_DAYS}.` });
    }
    setBusy(true);
    setError(null);
    try {
      const created = await authApi.createToken({ name: name.trim(), role, ...(days !== null ? { expires_in_days: days } : {}) });
      onCreated(created);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.code === 'invalid_name') setError({ field: 'name', message: asSentence(errorMessage(err)) });
      else if (err instanceof ApiError && err.code === 'invalid_expiry') setError({ field: 'expiry', message: asSentence(errorMessage(err)) });
      else setError({ field: 'form', message: asSentence(errorMessage(err)) });
    }
  };

  return (
    <Dialog
      title="New API token"
      onClose={onClose}
      testId="token-dialog"
      footer={
        <DialogButtons onCancel={onClose} onConfirm={() => void submit()} busy={busy} label="Create token" busyLabel="Creating…" testId="token-create" />
      }
    >
      <form className="stack-sm" onSubmit={(e) => void submit(e)} noValidate>
        <label className="field">
          <span className="field-label">Name</span>
          <input
            className="input"
            value={name}
            autoFocus
            maxLength={128}
            placeholder="e.g. Nightly CI on build-07"
            onChange={(e) => setName(e.target.value)}
            aria-invalid={error?.field === 'name' || undefined}
            data-testid="token-name"
          />
          {error?.field === 'name' ? <span className="field-error">{error.message}</span> : null}
        </label>
        <div className="field">
          <span className="field-label">Role</span>
          <div className="segmented" role="radiogroup" aria-label="Role of the token">
            {allowed.map((r) => (
              <button key={r} type="button" role="radio" aria-checked={role === r} onClick={() => setRole(r)} data-testid={`token-role-${r}`}>
                {ROLE_LABELS[r]}
              </button>
            ))}
          </div>
          <span className="field-help">
            What the token may do. At most your own role; give a script no more than it needs (CI that only runs tests: Tester).
          </span>
        </div>
        <div className="field">
          <span className="field-label">Expires</span>
          <span className="input-with-unit">
            <select className="input select" value={expiry} onChange={(e) => setExpiry(e.target.value)} data-testid="token-expiry">
              {EXPIRY_CHOICES.map((d) => (
                <option key={d} value={String(d)}>
                  In {d} days
                </option>
              ))}
              <option value="custom">After a number of days…</option>
              <option value="never">Never (until revoked)</option>
            </select>
            {expiry === 'custom' ? (
              <>
                <input
                  className="input input-num"
                  type="number"
                  min={1}
                  max={MAX_EXPIRY_DAYS}
                  value={custom}
                  onChange={(e) => setCustom(e.target.value)}
                  aria-label="Days until it expires"
                  aria-invalid={error?.field === 'expiry' || undefined}
                  data-testid="token-days"
                />
                <span className="muted">days</span>
              </>
            ) : null}
          </span>
          {error?.field === 'expiry' ? <span className="field-error">{error.message}</span> : null}
        </div>
        <button type="submit" hidden />
      </form>
      {error?.field === 'form' ? (
        <p className="form-error" role="alert">
          {error.message}
        </p>
      ) : null}
    </Dialog>
  );
}

function SecretDialog({ token, onClose }: { token: CreatedToken; onClose: () => void }) {
  return (
    <Dialog
      title={`Token “${token.name}” created`}
      onClose={onClose}
      testId="token-secret-dialog"
      wide
      footer={
        <button type="button" className="button button-primary" onClick={onClose} data-testid="token-done">
          I have stored it
        </button>
      }
    >
      <Banner tone="warning">
        <strong>Copy it now: this is the only time it is shown.</strong> vpt keeps only a fingerprint of it. If it is lost,
        revoke it and create another.
      </Banner>
      <CopyBox value={token.token} label="API token" testId="token-secret" />
      <div className="small muted stack-sm">
        <span>Send it as a bearer token, or give it to the command line in VPT_TOKEN:</span>
        <code className="code-line">Authorization: Bearer &lt;token&gt;</code>
        <code className="code-line">
          VPT_TOKEN=&lt;token&gt; vpt run --server {window.location.origin} --testcase &quot;&lt;test case&gt;&quot;
        </code>
      </div>
    </Dialog>
  );
}

export function TokensPage() {
  useDocumentTitle('API tokens');
  const { me } = useAuth();
  const toast = useToast();
  const now = useNow(30_000);
  const isAdmin = me?.role === 'admin';
  const [everyone, setEveryone] = useState(false);
  const [showRevoked, setShowRevoked] = useState(false);
  const [dialog, setDialog] = useState<'new' | null>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const all = isAdmin && everyone;
  const tokens = useLoad((signal) => authApi.tokens(all, signal), [all]);

  if (me && !me.auth_enabled) {
    return (
      <div className="stack narrow">
        <div className="page-head">
          <h1>API tokens</h1>
        </div>
        <EmptyState icon="key" title="Tokens are not used while authentication is off">
          <p>Tokens belong to users, and this server lets everyone in without one. Turn authentication on to use them.</p>
        </EmptyState>
      </div>
    );
  }

  const list = tokens.data ?? [];
  const shown = list
    .filter((t) => showRevoked || stateOf(t, now) === 'active')
    .sort((a, b) => b.created_at.localeCompare(a.created_at));
  const hidden = list.length - shown.length;

  let content;
  if (!tokens.data && tokens.error) {
    content = <ErrorState title="Could not load the tokens" message={tokens.error} onRetry={tokens.reload} />;
  } else if (!tokens.data) {
    content = <TableSkeleton rows={3} />;
  } else if (shown.length === 0) {
    content = (
      <EmptyState icon="key" title={hidden > 0 ? 'No active token' : all ? 'Nobody has a token yet' : 'You have no token yet'}>
        <p>
          A token lets a script or a CI job use the API as you, without your password. Each one can be revoked on its own.
          {hidden > 0 ? ` ${hidden} revoked or expired ${hidden === 1 ? 'token is' : 'tokens are'} hidden.` : ''}
        </p>
        <button type="button" className="button button-primary state-action" onClick={() => setDialog('new')}>
          <Icon name="plus" size={15} /> New token
        </button>
      </EmptyState>
    );
  } else {
    content = (
      <div className="card table-card">
        <table className="table data-table" data-testid="tokens">
          <thead>
            <tr>
              <th>Name</th>
              {all ? <th>User</th> : null}
              <th>Token</th>
              <th>Role</th>
              <th>Created</th>
              <th>Expires</th>
              <th>Last used</th>
              <th>State</th>
              <th className="cell-actions">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((t) => {
              const state = stateOf(t, now);
              return (
                <tr key={t.id} data-token={t.name} className={state === 'active' ? undefined : 'row-disabled'}>
                  <td className="cell-main strong">{t.name}</td>
                  {all ? <td>{t.user}</td> : null}
                  <td className="mono small">{t.prefix}…</td>
                  <td>
                    <RoleBadge role={t.role} />
                  </td>
                  <td className="small nowrap" title={formatDateTime(t.created_at)}>
                    {formatAgo(t.created_at, now)}
                  </td>
                  <td className="small nowrap">{t.expires_at ? formatDateTime(t.expires_at) : <span className="muted">Never</span>}</td>
                  <td className="small nowrap" title={t.last_used_at ? formatDateTime(t.last_used_at) : undefined}>
                    {t.last_used_at ? formatAgo(t.last_used_at, now) : <span className="muted">Never</span>}
                  </td>
                  <td>
                    <StateBadge state={state} />
                  </td>
                  <td className="cell-actions">
                    {state !== 'revoked' ? (
                      <button type="button" className="button button-sm" onClick={() => setRevoking(t)} data-testid="token-revoke">
                        Revoke
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <div className="stack">
      <div className="page-head-row">
        <div className="page-head">
          <h1>
            API tokens {tokens.data ? <span className="count">{list.filter((t) => stateOf(t, now) === 'active').length}</span> : null}
          </h1>
          <p className="page-sub">
            Personal tokens for scripts and CI. A token acts as {all ? 'its user' : 'you'}, with at most {all ? 'their' : 'your'} role.
          </p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setDialog('new')} data-testid="new-token">
          <Icon name="plus" size={15} /> New token
        </button>
      </div>
      <div className="toolbar">
        {isAdmin ? (
          <div className="segmented segmented-sm" role="radiogroup" aria-label="Whose tokens">
            <button type="button" role="radio" aria-checked={!everyone} onClick={() => setEveryone(false)}>
              Mine
            </button>
            <button type="button" role="radio" aria-checked={everyone} onClick={() => setEveryone(true)} data-testid="tokens-everyone">
              Everyone’s
            </button>
          </div>
        ) : null}
        <label className="check-row">
          <input type="checkbox" checked={showRevoked} onChange={(e) => setShowRevoked(e.target.checked)} />
          Show revoked and expired tokens
        </label>
      </div>
      {content}
      {dialog === 'new' && me ? (
        <NewTokenDialog
          myRole={me.role}
          onClose={() => setDialog(null)}
          onCreated={(t) => {
            setDialog(null);
            setCreated(t);
            tokens.reload();
          }}
        />
      ) : null}
      {created ? <SecretDialog token={created} onClose={() => setCreated(null)} /> : null}
      {revoking ? (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke"
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await authApi.revokeToken(revoking.id);
            toast.show(`Revoked “${revoking.name}”`, 'info');
            tokens.reload();
          }}
        >
          <p>
            Anything still using <span className="mono">{revoking.prefix}…</span>
            {revoking.user !== me?.name ? ` (${revoking.user}’s)` : ''} is refused from now on. This cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
