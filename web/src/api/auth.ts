// Signing in, users, personal API tokens, the audit log and host approval.

import { request } from './client';

export type Role = 'viewer' | 'tester' | 'admin';

export const ROLES: Role[] = ['viewer', 'tester', 'admin'];

const RANK: Record<Role, number> = { viewer: 0, tester: 1, admin: 2 };

/** True when `role` may do what `needed` may. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

export const ROLE_LABELS: Record<Role, string> = { viewer: 'Viewer', tester: 'Tester', admin: 'Admin' };

export const ROLE_SUMMARIES: Record<Role, string> = {
  viewer: 'Sees devices, pictures, trees, tests, runs, reports and incidents; changes nothing.',
  tester: 'Also controls devices, runs tests and campaigns, edits trees, tests, references and schedules, acknowledges incidents.',
  admin: 'Also manages users, hosts and every API token, and reads the audit log.',
};

/** The same, said to the user who has the role. */
export const ROLE_ABILITIES: Record<Role, string> = {
  viewer: 'You can see devices, pictures, tests, runs and incidents, but not change them.',
  tester: 'You can control devices, run tests and edit trees, tests, references and schedules.',
  admin: 'You can do everything, including managing users, hosts and API tokens.',
};

export interface Me {
  auth_enabled: boolean;
  name: string;
  role: Role;
  via: 'session' | 'token' | 'off';
  /** The password was generated: it must be changed before anything else. */
  must_change_password?: boolean;
}

export interface LoginAnswer {
  name: string;
  role: Role;
  expires_at: string;
  must_change_password?: boolean;
}

export interface User {
  id: number;
  name: string;
  role: Role;
  created_at: string;
  disabled_at: string | null;
}

export interface UserChange {
  role?: Role;
  disabled?: boolean;
  password?: string;
}

export interface ApiToken {
  id: number;
  name: string;
  user: string;
  role: Role;
  /** The first characters of the secret, e.g. `vpt_7a9dca54`. */
  prefix: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** A token just made: the only time its secret is known. */
export interface CreatedToken extends ApiToken {
  token: string;
}

export interface NewToken {
  name: string;
  role?: Role;
  expires_in_days?: number;
}

export interface AuditEntry {
  id: number;
  at: string;
  user: string | null;
  action: string;
  target: string | null;
  detail: unknown;
  ip: string | null;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `before` to read the next (older) page; null when this was the last. */
  next: number | null;
}

export interface AuditQuery {
  user?: string;
  action?: string;
  target?: string;
  since?: string;
  until?: string;
  before?: number;
  limit?: number;
}

export type ApprovalStatus = 'pending' | 'approved' | 'revoked';

export interface HostApproval {
  name: string;
  status: ApprovalStatus;
  /** `ip:port` the host connected from, when known. */
  peer: string | null;
  first_seen: string;
  last_seen: string;
  decided_by: string | null;
  decided_at: string | null;
  /** `SHA256:…` of the key approved, or of the machine that asked last; the host logs its own. */
  key_fingerprint: string | null;
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') q.set(key, String(value));
  }
  const qs = q.toString();
  return qs ? `?${qs}` : '';
}

// Sign-in calls answer 401 as part of their job: they never mean "your session ended".
const quiet = { sessionCheck: false } as const;

export const authApi = {
  me: (signal?: AbortSignal) => request<Me>('/api/auth/me', { signal, ...quiet }),
  login: (name: string, password: string) =>
    request<LoginAnswer>('/api/auth/login', { method: 'POST', body: { name, password }, ...quiet }),
  logout: () => request<void>('/api/auth/logout', { method: 'POST', ...quiet }),
  changePassword: (current: string, next: string) =>
    request<void>('/api/auth/password', { method: 'PUT', body: { current, new: next }, ...quiet }),

  users: (signal?: AbortSignal) => request<User[]>('/api/users', { signal }),
  createUser: (body: { name: string; role: Role; password: string }) =>
    request<User>('/api/users', { method: 'POST', body }),
  updateUser: (name: string, change: UserChange) =>
    request<User>(`/api/users/${enc(name)}`, { method: 'PUT', body: change }),
  deleteUser: (name: string) => request<void>(`/api/users/${enc(name)}`, { method: 'DELETE' }),

  tokens: (all: boolean, signal?: AbortSignal) =>
    request<ApiToken[]>(`/api/tokens${all ? '?all=true' : ''}`, { signal }),
  createToken: (body: NewToken) => request<CreatedToken>('/api/tokens', { method: 'POST', body }),
  revokeToken: (id: number) => request<ApiToken>(`/api/tokens/${id}`, { method: 'DELETE' }),

  audit: (q: AuditQuery, signal?: AbortSignal) =>
    request<AuditPage>(
      `/api/audit${query({ user: q.user, action: q.action, target: q.target, since: q.since, until: q.until, before: q.before, limit: q.limit })}`,
      { signal },
    ),

  hostApprovals: (signal?: AbortSignal) => request<HostApproval[]>('/api/hosts/approvals', { signal }),
  approveHost: (name: string, keyFingerprint: string | null) =>
    request<HostApproval>(`/api/hosts/${enc(name)}/approve`, {
      method: 'POST',
      body: keyFingerprint ? { key_fingerprint: keyFingerprint } : {},
    }),
  revokeHost: (name: string) => request<HostApproval>(`/api/hosts/${enc(name)}/revoke`, { method: 'POST' }),
};

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * A host approval record from a `host.approval` event: the record's fields may come at the top
 * level of the message or in its `data`, as other events carry theirs.
 */
export function approvalFromEvent(event: unknown): HostApproval | null {
  if (!event || typeof event !== 'object') return null;
  const outer = event as Record<string, unknown>;
  const inner = outer.data && typeof outer.data === 'object' ? (outer.data as Record<string, unknown>) : null;
  const src = inner && typeof inner.name === 'string' ? inner : outer;
  const name = text(src.name);
  const status = text(src.status);
  if (!name || (status !== 'pending' && status !== 'approved' && status !== 'revoked')) return null;
  return {
    name,
    status,
    peer: text(src.peer),
    first_seen: text(src.first_seen) ?? '',
    last_seen: text(src.last_seen) ?? '',
    decided_by: text(src.decided_by),
    decided_at: text(src.decided_at),
    key_fingerprint: text(src.key_fingerprint),
  };
}
