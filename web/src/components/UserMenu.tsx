// The signed-in user in the top bar: name and role, and a menu to change the password, manage
// API tokens and sign out. With auth off, the name this browser uses (set in Settings).

import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/client';
import { ROLE_ABILITIES } from '../api/auth';
import { useDisplayName } from '../lib/identity';
import { Link, navigate } from '../lib/router';
import { useAuth } from '../store/Auth';
import { ChangePasswordDialog } from './ChangePasswordDialog';
import { Icon } from './Icon';
import { RoleBadge } from './RoleGate';
import { useToast } from './Toasts';

function LocalChip() {
  const name = useDisplayName();
  return (
    <Link to="/settings" className="user-chip" title="Your name, used when you take control of a device">
      <Icon name="lock" size={14} />
      <span className="user-name" data-testid="user-name">
        {name}
      </span>
    </Link>
  );
}

export function UserMenu() {
  const { me, signOut } = useAuth();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [dialog, setDialog] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return undefined;
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    window.addEventListener('mousedown', onDown);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('mousedown', onDown);
      window.removeEventListener('keydown', onKey);
    };
  }, [open]);

  if (!me || !me.auth_enabled) return <LocalChip />;

  const leave = async () => {
    setOpen(false);
    setLeaving(true);
    try {
      await signOut();
    } catch (err) {
      toast.show(`Could not sign out: ${errorMessage(err)}`);
      setLeaving(false);
    }
  };

  return (
    <div className="menu user-menu" ref={ref}>
      <button
        type="button"
        className="user-chip user-menu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((v) => !v)}
        data-testid="user-menu"
      >
        <span className="user-avatar" aria-hidden="true">
          {me.name.slice(0, 1).toUpperCase()}
        </span>
        <span className="user-name" data-testid="user-name">
          {me.name}
        </span>
        <RoleBadge role={me.role} className="badge-sm" />
        <Icon name="down" size={14} />
      </button>
      {open ? (
        <div className="menu-list user-menu-list" role="menu">
          <div className="user-menu-head">
            <div>
              Signed in as <strong>{me.name}</strong>
            </div>
            <div className="muted small">{ROLE_ABILITIES[me.role]}</div>
          </div>
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            onClick={() => {
              setOpen(false);
              setDialog(true);
            }}
            data-testid="menu-password"
          >
            <Icon name="lock" size={15} /> Change password
          </button>
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            onClick={() => {
              setOpen(false);
              navigate('/tokens');
            }}
            data-testid="menu-tokens"
          >
            <Icon name="key" size={15} /> API tokens
          </button>
          <button type="button" role="menuitem" className="menu-item" onClick={() => void leave()} disabled={leaving} data-testid="menu-sign-out">
            <Icon name="logout" size={15} /> {leaving ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      ) : null}
      {dialog ? <ChangePasswordDialog onClose={() => setDialog(false)} /> : null}
    </div>
  );
}
