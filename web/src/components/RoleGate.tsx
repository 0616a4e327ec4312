// What a role may see: the role badge, the "needs the X role" state of a page a user cannot use,
// and the quiet note on pages a viewer can read but not change.

import type { ReactNode } from 'react';
import { ROLE_LABELS } from '../api/auth';
import type { Role } from '../api/auth';
import { useAuth, useCan } from '../store/Auth';
import { Icon } from './Icon';
import { EmptyState } from './States';

export function RoleBadge({ role, className }: { role: Role; className?: string }) {
  return (
    <span className={`badge badge-role badge-role-${role}${className ? ` ${className}` : ''}`} data-role={role}>
      {ROLE_LABELS[role]}
    </span>
  );
}

/** The sentence used wherever a control is left out for a role: "needs the tester role". */
export function needsRole(role: Role): string {
  return `needs the ${role} role`;
}

/** A page (or part of one) the signed-in user's role does not open. */
export function NeedsRole({ role, what }: { role: Role; what: string }) {
  const { me } = useAuth();
  return (
    <div data-testid="needs-role" data-role={role}>
      <EmptyState icon="shield" title={`This page needs the ${role} role`}>
        <p>
          {what} You are signed in as <strong>{me?.name ?? 'nobody'}</strong>
          {me ? (
            <>
              {' '}
              with the <strong>{me.role}</strong> role
            </>
          ) : null}
          . If you need it, ask an admin to change your role.
        </p>
      </EmptyState>
    </div>
  );
}

/** Shows `children` to users with at least `role`, and the friendly refusal to others. */
export function RequireRole({ role, what, children }: { role: Role; what: string; children: ReactNode }) {
  const allowed = useCan(role);
  return allowed ? <>{children}</> : <NeedsRole role={role} what={what} />;
}

/**
 * One line on a page a user can read but not change, so missing buttons are not a mystery:
 * "Read-only: running and editing tests needs the tester role."
 */
export function ReadOnlyNote({ what, role = 'tester' }: { what: string; role?: Role }) {
  return (
    <p className="read-only-note" data-testid="read-only-note" title={`Your role is read-only here; ${what} ${needsRole(role)}.`}>
      <Icon name="eye" size={14} />
      <span>
        Read-only: {what} {needsRole(role)}
      </span>
    </p>
  );
}
