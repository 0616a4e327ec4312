import { useState } from 'react';
import type { FormEvent } from 'react';
import { ROLE_ABILITIES } from '../api/auth';
import { ChangePasswordDialog } from '../components/ChangePasswordDialog';
import { Icon } from '../components/Icon';
import { RoleBadge } from '../components/RoleGate';
import { ErrorState, Skeleton } from '../components/States';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useNow } from '../hooks/useNow';
import { formatBytes, formatDateTime, formatDuration, tickingUptime } from '../lib/format';
import { setDisplayName, useDisplayName } from '../lib/identity';
import { navigate } from '../lib/router';
import { useAuth } from '../store/Auth';
import { useLiveStore } from '../store/LiveStore';

const MAX_NAME_LENGTH = 64;

function NameForm() {
  const current = useDisplayName();
  const [draft, setDraft] = useState(current);
  const [saved, setSaved] = useState(false);
  // A name changed elsewhere (another tab) replaces the draft.
  const [draftOf, setDraftOf] = useState(current);
  if (draftOf !== current) {
    setDraftOf(current);
    setDraft(current);
  }

  const trimmed = draft.trim();
  const invalid = trimmed === '' ? 'Enter a name.' : trimmed.length > MAX_NAME_LENGTH ? `Keep it under ${MAX_NAME_LENGTH} characters.` : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (invalid) return;
    setDisplayName(trimmed);
    setSaved(true);
    window.setTimeout(() => setSaved(false), 2500);
  };

  return (
    <section className="card" aria-labelledby="name-title">
      <div className="card-head">
        <h2 id="name-title" className="card-title">
          <Icon name="lock" /> Your name
        </h2>
      </div>
      <p className="muted small">
        Shown to others when you take control of a device ("Controlled by {current}"). Stored in this browser only.
      </p>
      <form className="name-form" onSubmit={submit}>
        <label htmlFor="display-name" className="visually-hidden">
          Your name
        </label>
        <input
          id="display-name"
          className="input"
          value={draft}
          maxLength={MAX_NAME_LENGTH + 10}
          onChange={(e) => {
            setDraft(e.target.value);
            setSaved(false);
          }}
          aria-invalid={invalid !== null}
          aria-describedby="display-name-help"
        />
        <button type="submit" className="button button-primary" disabled={invalid !== null || trimmed === current}>
          Save
        </button>
        <span id="display-name-help" className={invalid ? 'form-error' : 'form-ok'} role="status">
          {invalid ?? (saved ? 'Saved.' : '')}
        </span>
      </form>
    </section>
  );
}

/** With auth on, the account stands for this browser: its name is the one others see. */
function AccountPanel() {
  const { me, signOut } = useAuth();
  const [dialog, setDialog] = useState(false);
  if (!me) return null;
  return (
    <section className="card" aria-labelledby="account-title">
      <div className="card-head">
        <h2 id="account-title" className="card-title">
          <Icon name="user" /> Your account
        </h2>
        <RoleBadge role={me.role} />
      </div>
      <p className="muted small">
        Signed in as <strong>{me.name}</strong>: others see this name when you take control of a device or acknowledge an
        incident. {ROLE_ABILITIES[me.role]}
      </p>
      <div className="account-actions">
        <button type="button" className="button" onClick={() => setDialog(true)}>
          <Icon name="lock" size={14} /> Change password
        </button>
        <button type="button" className="button" onClick={() => navigate('/tokens')}>
          <Icon name="key" size={14} /> API tokens
        </button>
        <button type="button" className="button" onClick={() => void signOut()}>
          <Icon name="logout" size={14} /> Sign out
        </button>
      </div>
      {dialog ? <ChangePasswordDialog onClose={() => setDialog(false)} /> : null}
    </section>
  );
}

function ServerPanel() {
  const { state, refresh } = useLiveStore();
  const now = useNow(1000);
  const info = state.info.data;

  let body;
  if (!info && state.info.error) {
    body = <ErrorState title="Server information unavailable" message={state.info.error} onRetry={refresh} />;
  } else if (!info) {
    body = (
      <dl className="facts facts-wide">
        {Array.from({ length: 8 }, (_, i) => (
          <div className="fact" key={i}>
            <dt>
              <Skeleton height={12} width={90} />
            </dt>
            <dd>
              <Skeleton height={14} width="60%" />
            </dd>
          </div>
        ))}
      </dl>
    );
  } else {
    const rows: [string, string, boolean?][] = [
      ['Version', info.version],
      ['Build', info.build || '—', true],
      ['Protocol version', String(info.protocol_version)],
      ['Started', formatDateTime(info.started_at)],
      ['Uptime', formatDuration(tickingUptime(info.uptime_secs, state.info.loadedAt, now))],
      ['Data directory', info.data_dir, true],
      ['Database', info.db_path, true],
      ['Database size', formatBytes(info.db_size_bytes)],
      ['mDNS discovery', info.mdns_enabled ? 'On' : 'Off'],
    ];
    body = (
      <dl className="facts facts-wide">
        {rows.map(([label, value, mono]) => (
          <div className="fact" key={label}>
            <dt>{label}</dt>
            <dd className={mono ? 'mono' : undefined}>{value}</dd>
          </div>
        ))}
      </dl>
    );
  }

  return (
    <section className="card" aria-labelledby="server-title">
      <div className="card-head">
        <h2 id="server-title" className="card-title">
          <Icon name="server" /> Server
        </h2>
        <span className="muted small">read-only</span>
      </div>
      {body}
    </section>
  );
}

export function SettingsPage() {
  useDocumentTitle('Settings');
  const { me } = useAuth();
  const authOn = me?.auth_enabled ?? true;
  return (
    <div className="stack narrow">
      <div className="page-head">
        <h1>Settings</h1>
        <p className="page-sub">{authOn ? 'Your account' : 'Preferences for this browser'}, and facts about the server.</p>
      </div>
      {authOn ? <AccountPanel /> : <NameForm />}
      <ServerPanel />
    </div>
  );
}
