import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, asSentence, errorMessage } from '../api/client';
import { ROLES, ROLE_LABELS, ROLE_SUMMARIES, authApi } from '../api/auth';
import type { Role, User } from '../api/auth';
import { MIN_PASSWORD_CHARS, passwordProblem } from '../components/ChangePasswordDialog';
import { Icon } from '../components/Icon';
import { Dialog, DialogButtons } from '../components/nav/Dialog';
import { RoleBadge } from '../components/RoleGate';
import { EmptyState, ErrorState } from '../components/States';
import { ConfirmDialog } from '../components/testing/ConfirmDialog';
import { TableSkeleton } from '../components/testing/TableSkeleton';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useLoad } from '../hooks/useLoad';
import { useNow } from '../hooks/useNow';
import { formatAgo, formatDateTime } from '../lib/format';
import { useAuth } from '../store/Auth';

const NAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

/** A password that is easy to read out and type: 16 characters without look-alikes. */
function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function PasswordField({
  value,
  onChange,
  error,
  testId,
  label = 'Password',
}: {
  value: string;
  onChange: (v: string) => void;
  error: string | null;
  testId: string;
  label?: string;
}) {
  const [visible, setVisible] = useState(false);
  const [copied, setCopied] = useState(false);
  // An error is about the password it was given for: a new one (typed or generated) clears it.
  const [erredFor, setErredFor] = useState(value);
  const [errorSeen, setErrorSeen] = useState(error);
  if (errorSeen !== error) {
    setErrorSeen(error);
    if (error) setErredFor(value);
  }
  const shownError = error && value === erredFor ? error : null;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      window.setTimeout(() => setCopied(false), 2000);
    } catch {
      // No clipboard (plain http): the password is shown, so it can be selected instead.
      setVisible(true);
    }
  };
  return (
    <div className="field">
      <span className="field-label">{label}</span>
      <span className="input-with-unit">
        <input
          className="input grow"
          type={visible ? 'text' : 'password'}
          autoComplete="new-password"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          aria-label={label}
          aria-invalid={shownError ? true : undefined}
          data-testid={testId}
        />
        {value ? (
          <button type="button" className="button" onClick={() => void copy()} title="Copy the password" data-testid={`${testId}-copy`}>
            <Icon name={copied ? 'check' : 'copy'} size={14} /> {copied ? 'Copied' : 'Copy'}
          </button>
        ) : null}
        <button
          type="button"
          className="button"
          onClick={() => {
            onChange(generatePassword());
            setVisible(true);
          }}
          title="Fill in a random password, shown so you can pass it on"
        >
          <Icon name="key" size={14} /> Generate
        </button>
      </span>
      {shownError ? <span className="field-error">{shownError}</span> : <span className="field-help">At least {MIN_PASSWORD_CHARS} characters. Pass it on privately; the user can change it afterwards.</span>}
    </div>
  );
}

function RolePicker({ value, onChange, testId }: { value: Role; onChange: (r: Role) => void; testId: string }) {
  return (
    <div className="field">
      <span className="field-label">Role</span>
      <div className="segmented" role="radiogroup" aria-label="Role">
        {ROLES.map((r) => (
          <button key={r} type="button" role="radio" aria-checked={value === r} onClick={() => onChange(r)} data-testid={`${testId}-${r}`}>
            {ROLE_LABELS[r]}
          </button>
        ))}
      </div>
      <span className="field-help">{ROLE_SUMMARIES[value]}</span>
    </div>
  );
}

function NewUserDialog({ onCreated, onClose }: { onCreated: (u: User) => void; onClose: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('tester');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field: 'name' | 'password' | 'form'; message: string } | null>(null);

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    const trimmed = name.trim();
    if (!NAME_PATTERN.test(trimmed)) {
      return setError({ field: 'name', message: '1 to 64 letters, digits, “.”, “_”, “-” or “@”; no spaces.' });
    }
    const weak = passwordProblem(password);
    if (weak) return setError({ field: 'password', message: weak });
    setBusy(true);
    setError(null);
    try {
      onCreated(await authApi.createUser({ name: trimmed, role, password }));
    } catch (err) {
      setBusy(false);
      const code = err instanceof ApiError ? err.code : '';
      if (code === 'name_taken' || code === 'invalid_name') setError({ field: 'name', message: asSentence(errorMessage(err)) });
      else if (code === 'weak_password') setError({ field: 'password', message: asSentence(errorMessage(err)) });
      else setError({ field: 'form', message: asSentence(errorMessage(err)) });
    }
  };

  return (
    <Dialog
      title="New user"
      onClose={onClose}
      testId="user-dialog"
      footer={
        <DialogButtons onCancel={onClose} onConfirm={() => void submit()} busy={busy} label="Create user" busyLabel="Creating…" testId="user-create" />
      }
    >
      <form className="stack-sm" onSubmit={(e) => void submit(e)} noValidate>
        <label className="field">
          <span className="field-label">User name</span>
          <input
            className="input"
            value={name}
            autoFocus
            autoCapitalize="none"
            spellCheck={false}
            placeholder="e.g. alice"
            onChange={(e) => setName(e.target.value)}
            aria-invalid={error?.field === 'name' || undefined}
            data-testid="user-name-input"
          />
          {error?.field === 'name' ? <span className="field-error">{error.message}</span> : null}
        </label>
        <RolePicker value={role} onChange={setRole} testId="user-role" />
        <PasswordField value={password} onChange={setPassword} error={error?.field === 'password' ? error.message : null} testId="user-password" label="Initial password" />
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

function ResetPasswordDialog({ user, onDone, onClose }: { user: User; onDone: () => void; onClose: () => void }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    const weak = passwordProblem(password);
    if (weak) return setError(weak);
    setBusy(true);
    setError(null);
    try {
      await authApi.updateUser(user.name, { password });
      onDone();
    } catch (err) {
      setBusy(false);
      setError(asSentence(errorMessage(err)));
    }
  };
  return (
    <Dialog
      title={`New password for ${user.name}`}
      onClose={onClose}
      testId="reset-dialog"
      footer={
        <DialogButtons onCancel={onClose} onConfirm={() => void submit()} busy={busy} label="Set password" busyLabel="Saving…" testId="reset-save" />
      }
    >
      <form onSubmit={(e) => void submit(e)} noValidate>
        <PasswordField value={password} onChange={setPassword} error={error} testId="reset-password" label="New password" />
        <button type="submit" hidden />
      </form>
      <p className="muted small">{user.name} is signed out everywhere and signs in again with this password. Their API tokens keep working.</p>
    </Dialog>
  );
}

type Pending = { name: string; what: string } | null;

function UserRow({
  user,
  me,
  now,
  busy,
  error,
  onRole,
  onDisable,
  onReset,
  onDelete,
}: {
  user: User;
  me: string | null;
  now: number;
  busy: boolean;
  error: string | null;
  onRole: (role: Role) => void;
  onDisable: (disabled: boolean) => void;
  onReset: () => void;
  onDelete: () => void;
}) {
  const self = user.name === me;
  const disabled = user.disabled_at !== null;
  return (
    <>
      <tr data-user={user.name} className={disabled ? 'row-disabled' : undefined}>
        <td className="cell-main">
          <span className="user-cell">
            <span className="user-avatar" aria-hidden="true">
              {user.name.slice(0, 1).toUpperCase()}
            </span>
            <span className="strong">{user.name}</span>
            {self ? <span className="chip">you</span> : null}
          </span>
        </td>
        <td>
          <select
            className="input select input-sm role-select"
            value={user.role}
            disabled={busy}
            onChange={(e) => onRole(e.target.value as Role)}
            aria-label={`Role of ${user.name}`}
            data-testid="user-role-select"
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
        </td>
        <td>
          {disabled ? (
            <span className="badge badge-muted" title={`Disabled ${formatDateTime(user.disabled_at)}`}>
              Disabled
            </span>
          ) : (
            <span className="badge badge-good">Active</span>
          )}
        </td>
        <td className="small nowrap" title={formatDateTime(user.created_at)}>
          {formatAgo(user.created_at, now)}
        </td>
        <td className="cell-actions">
          <button type="button" className="button button-sm" onClick={onReset} disabled={busy} data-testid="user-reset">
            <Icon name="lock" size={13} /> Password
          </button>
          <button type="button" className="button button-sm" onClick={() => onDisable(!disabled)} disabled={busy || self} title={self ? 'You cannot disable yourself' : undefined} data-testid="user-disable">
            {disabled ? 'Enable' : 'Disable'}
          </button>
          <button
            type="button"
            className="icon-button icon-sm icon-button-danger"
            onClick={onDelete}
            disabled={busy || self}
            title={self ? 'You cannot delete yourself; another admin can' : 'Delete'}
            aria-label={`Delete ${user.name}`}
            data-testid="user-delete"
          >
            <Icon name="trash" size={15} />
          </button>
        </td>
      </tr>
      {error ? (
        <tr className="row-error" data-testid="user-error">
          <td colSpan={5}>
            <span className="form-error" role="alert">
              <Icon name="alert" size={13} /> {error}
            </span>
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function UsersPage() {
  useDocumentTitle('Users');
  const { me, refresh } = useAuth();
  const toast = useToast();
  const now = useNow(30_000);
  const users = useLoad((signal) => authApi.users(signal), []);
  const [dialog, setDialog] = useState<'new' | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({});

  const change = async (user: User, what: string, body: { role?: Role; disabled?: boolean }, done: string) => {
    setPending({ name: user.name, what });
    setRowErrors(({ [user.name]: _gone, ...rest }) => rest);
    try {
      const updated = await authApi.updateUser(user.name, body);
      users.set((list) => (list ?? []).map((u) => (u.name === updated.name ? updated : u)));
      toast.show(done, 'info');
      // One's own role changed: what this page (and the app) offers changes with it.
      if (user.name === me?.name) refresh();
    } catch (err) {
      setRowErrors((e) => ({ ...e, [user.name]: asSentence(errorMessage(err)) }));
    } finally {
      setPending(null);
    }
  };

  const list = users.data ? [...users.data].sort((a, b) => a.name.localeCompare(b.name)) : null;
  let content;
  if (!list && users.error) {
    content = <ErrorState title="Could not load the users" message={users.error} onRetry={users.reload} />;
  } else if (!list) {
    content = <TableSkeleton rows={3} />;
  } else if (list.length === 0) {
    content = <EmptyState icon="users" title="No users" />;
  } else {
    content = (
      <div className="card table-card">
        <table className="table data-table" data-testid="users">
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>State</th>
              <th>Created</th>
              <th className="cell-actions">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((user) => (
              <UserRow
                key={user.id}
                user={user}
                me={me?.name ?? null}
                now={now}
                busy={pending?.name === user.name}
                error={rowErrors[user.name] ?? null}
                onRole={(role) => void change(user, 'role', { role }, `${user.name} is now ${ROLE_LABELS[role].toLowerCase()}`)}
                onDisable={(disabled) =>
                  void change(user, 'disabled', { disabled }, disabled ? `${user.name} is disabled and signed out` : `${user.name} can sign in again`)
                }
                onReset={() => setResetting(user)}
                onDelete={() => setDeleting(user)}
              />
            ))}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <div className="stack">
      <div className="page-head-row">
        <div className="page-head">
          <h1>Users {list ? <span className="count">{list.length}</span> : null}</h1>
          <p className="page-sub">Who can sign in, and what each may do. Changes apply at once, to open sessions too.</p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setDialog('new')} data-testid="new-user">
          <Icon name="plus" size={15} /> New user
        </button>
      </div>
      {content}
      <section className="card role-legend" aria-labelledby="roles-title">
        <h2 id="roles-title" className="card-title">
          <Icon name="shield" /> Roles
        </h2>
        <dl className="role-list">
          {ROLES.map((r) => (
            <div key={r} className="role-item">
              <dt>
                <RoleBadge role={r} />
              </dt>
              <dd className="small muted">{ROLE_SUMMARIES[r]}</dd>
            </div>
          ))}
        </dl>
      </section>
      {dialog === 'new' ? (
        <NewUserDialog
          onClose={() => setDialog(null)}
          onCreated={(u) => {
            setDialog(null);
            users.set((l) => [...(l ?? []), u]);
            toast.show(`Created ${u.name} (${ROLE_LABELS[u.role].toLowerCase()})`, 'info');
          }}
        />
      ) : null}
      {resetting ? (
        <ResetPasswordDialog
          user={resetting}
          onClose={() => setResetting(null)}
          onDone={() => {
            toast.show(`New password set for ${resetting.name}`, 'info');
            setResetting(null);
          }}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await authApi.deleteUser(deleting.name);
            users.set((l) => (l ?? []).filter((u) => u.name !== deleting.name));
            toast.show(`Deleted ${deleting.name}`, 'info');
          }}
        >
          <p>
            {deleting.name} is signed out and their API tokens stop working. What they did stays in the audit log, runs and
            reports. To keep the account for later, disable it instead.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
