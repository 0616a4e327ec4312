// Audit log entries in words: what an action code means, and its detail as short facts.

import { formatDateTime } from './format';

const ACTIONS: Record<string, string> = {
  'auth.login': 'Signed in',
  'auth.login_failed': 'Sign-in refused',
  'auth.logout': 'Signed out',
  'auth.refused': 'Request refused',
  'device.verify': 'Ran a verification',
  'user.create': 'Created a user',
  'user.update': 'Changed a user',
  'user.delete': 'Deleted a user',
  'user.password': 'Changed their password',
  'token.create': 'Created an API token',
  'token.revoke': 'Revoked an API token',
  'host.approve': 'Approved a host',
  'host.revoke': 'Revoked a host',
  'device.control': 'Controlled a device',
  'device.execute': 'Sent a device command',
  'device.lock': 'Took control of a device',
  'device.unlock': 'Released a device',
  'navigation.goto': 'Sent a device to a screen',
  'navigation.validate': 'Validated a tree',
  'navigation.cancel': 'Stopped a navigation',
  'run.start': 'Started a run',
  'run.cancel': 'Cancelled a run',
  'campaign.start': 'Started a campaign',
  'campaign.cancel': 'Cancelled a campaign run',
  'campaign.create': 'Created a campaign',
  'campaign.update': 'Changed a campaign',
  'campaign.delete': 'Deleted a campaign',
  'schedule.create': 'Created a schedule',
  'schedule.update': 'Changed a schedule',
  'schedule.delete': 'Deleted a schedule',
  'testcase.create': 'Created a test case',
  'testcase.update': 'Changed a test case',
  'testcase.delete': 'Deleted a test case',
  'testcase.duplicate': 'Duplicated a test case',
  'reference.create': 'Created a reference',
  'reference.upload': 'Uploaded a reference',
  'reference.update': 'Changed a reference',
  'reference.delete': 'Deleted a reference',
  'userinterface.create': 'Created a userinterface',
  'userinterface.update': 'Changed a userinterface',
  'userinterface.delete': 'Deleted a userinterface',
  'tree.import': 'Imported a tree',
  'tree.replace': 'Saved a tree',
  'tree.restore': 'Restored a tree version',
  'tree.node_add': 'Added a node',
  'tree.node_update': 'Changed a node',
  'tree.node_delete': 'Deleted a node',
  'tree.node_screenshot': 'Took a node’s screenshot',
  'tree.edge_add': 'Added an edge',
  'tree.edge_update': 'Changed an edge',
  'tree.edge_delete': 'Deleted an edge',
  'incident.ack': 'Acknowledged an incident',
  'incident.false_positive': 'Marked a false positive',
};

/** The families the action filter offers (`user.` matches every `user.*` action). */
export const ACTION_FAMILIES: { value: string; label: string }[] = [
  { value: 'auth.', label: 'Sign-ins and sign-outs' },
  { value: 'auth.login_failed', label: 'Refused sign-ins' },
  { value: 'auth.refused', label: 'Refused requests' },
  { value: 'user.', label: 'Users' },
  { value: 'token.', label: 'API tokens' },
  { value: 'host.', label: 'Host approval' },
  { value: 'device.', label: 'Device control' },
  { value: 'navigation.', label: 'Navigation' },
  { value: 'run.', label: 'Runs' },
  { value: 'campaign.', label: 'Campaigns' },
  { value: 'schedule.', label: 'Schedules' },
  { value: 'testcase.', label: 'Test cases' },
  { value: 'tree.', label: 'Navigation trees' },
  { value: 'userinterface.', label: 'Userinterfaces' },
  { value: 'reference.', label: 'References' },
  { value: 'incident.', label: 'Incidents' },
];

export function actionLabel(action: string): string {
  const known = ACTIONS[action];
  if (known) return known;
  const words = action.replace(/[._]/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : action;
}

/** Sign-ins and refusals stand out in the table. */
export function actionTone(action: string): 'bad' | 'good' | 'muted' | null {
  if (action === 'auth.login_failed' || action === 'auth.refused' || action.endsWith('.delete') || action.endsWith('.revoke')) return 'bad';
  if (action === 'auth.login') return 'good';
  if (action === 'auth.logout') return 'muted';
  return null;
}

const REASONS: Record<string, string> = {
  bad_credentials: 'wrong name or password',
  // Entries written before sign-ins were slowed instead of locked.
  locked: 'locked out after too many failures',
};

const KEY_LABELS: Record<string, string> = {
  method: 'request',
  status: 'answer',
  role: 'role',
  disabled: 'disabled',
  password_changed: 'password changed',
  name: 'name',
  owner: 'owner',
  expires_at: 'expires',
  reason: 'why',
  peer: 'from',
  error: 'refused as',
  not_listed: 'more refusals not listed one by one',
};

const STATUS_WORDS: Record<number, string> = {
  400: 'bad request',
  401: 'not signed in',
  403: 'not allowed',
  404: 'not found',
  409: 'conflict',
  423: 'device held by someone else',
  429: 'too many requests',
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function valueText(key: string, value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (key === 'reason') return REASONS[value] ?? value.replace(/_/g, ' ');
    if (ISO_TIME.test(value)) return formatDateTime(value);
    return value;
  }
  if (Array.isArray(value)) {
    const parts = value.map((v) => valueText(key, v)).filter((v): v is string => v !== null);
    return parts.length ? parts.join(', ') : null;
  }
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => {
        const text = valueText(k, v);
        return text === null ? null : `${k.replace(/_/g, ' ')} ${text}`;
      })
      .filter((v): v is string => v !== null);
    return parts.length ? parts.join(', ') : null;
  }
  return null;
}

export interface DetailFact {
  label: string;
  value: string;
}

/**
 * An entry's detail as short facts to show beside it. Entries written for a whole request carry
 * the method, route template and status: the target already names the path, so the route is left
 * out and the status said in words.
 */
export function detailFacts(detail: unknown): DetailFact[] {
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) {
    const text = valueText('', detail);
    return text ? [{ label: '', value: text }] : [];
  }
  const entries = Object.entries(detail as Record<string, unknown>);
  const facts: DetailFact[] = [];
  for (const [key, value] of entries) {
    // The action and target already say what the request was; a success says nothing more.
    if (key === 'route' || key === 'method') continue;
    // A `password_changed: false` or `role: null` says nothing happened to it: leave it out.
    if (value === false && key !== 'disabled') continue;
    if (key === 'locked' && value === true) {
      facts.push({ label: '', value: 'now locked out' });
      continue;
    }
    if (key === 'window_s' || key === 'why') continue;
    if (key === 'delay_s' && typeof value === 'number') {
      if (value > 0) facts.push({ label: '', value: `further tries slowed: next one in ${value} s` });
      continue;
    }
    if (key === 'status' && typeof value === 'number') {
      if (value >= 300) facts.push({ label: 'refused', value: STATUS_WORDS[value] ? `${STATUS_WORDS[value]} (${value})` : String(value) });
      continue;
    }
    const text = valueText(key, value);
    if (text === null) continue;
    facts.push({ label: KEY_LABELS[key] ?? key.replace(/_/g, ' '), value: text });
  }
  return facts;
}

/** What the last part of a device path does, in words. */
const DEVICE_PATHS: Record<string, string> = {
  'remote/press': 'key press',
  'remote/hold': 'key hold',
  'remote/text': 'text typed',
  power: 'power',
  execute: 'command',
  sim: 'simulated faults',
  monitor: 'monitoring settings',
  screenshot: 'screenshot',
};

/** `/api/<first>/<id>` of things with a number, and what to call them. */
const THINGS: Record<string, string> = {
  testcases: 'test case',
  campaigns: 'campaign',
  schedules: 'schedule',
  runs: 'run',
  'campaign-runs': 'campaign run',
  incidents: 'incident',
  references: 'reference',
  tokens: 'API token',
};

/**
 * An entry's target in words. Route-level entries name the request path: a device's is said as
 * "sim1 on rack-2 · key press", a test case's as "test case #4"; a path it cannot say otherwise
 * stays as it is.
 */
export function targetText(target: string): { text: string; path: boolean } {
  const device = /^\/api\/hosts\/([^/]+)\/devices\/([^/]+)(?:\/(.*))?$/.exec(target);
  if (device) {
    const [, host, id, rest] = device.map((part) => (part === undefined ? part : safeDecode(part)));
    return { text: `${id} on ${host}${rest ? ` · ${DEVICE_PATHS[rest] ?? rest.replace(/\//g, ' ')}` : ''}`, path: false };
  }
  const lock = /^\/api\/devices\/([^/]+)\/([^/]+)\/lock$/.exec(target);
  if (lock) return { text: `${safeDecode(lock[2] ?? '')} on ${safeDecode(lock[1] ?? '')} · control`, path: false };
  const host = /^\/api\/hosts\/([^/]+)\/(approve|revoke)$/.exec(target);
  if (host) return { text: `host ${safeDecode(host[1] ?? '')}`, path: false };
  const user = /^\/api\/users\/([^/]+)(?:\/.*)?$/.exec(target);
  if (user) return { text: `user ${safeDecode(user[1] ?? '')}`, path: false };
  const tree = /^\/api\/userinterfaces\/([^/]+)(?:\/(tree)(?:\/(nodes|edges)\/([^/]+))?)?/.exec(target);
  if (tree) {
    const [, ui = '', isTree, kind, item] = tree;
    const what = kind ? `${kind === 'nodes' ? 'node' : 'edge'} ${safeDecode(item ?? '')} of the tree of` : isTree ? 'tree of' : 'userinterface';
    return { text: `${what} ${safeDecode(ui)}`, path: false };
  }
  const thing = /^\/api\/([a-z-]+)\/(\d+)(?:\/([a-z-]+))?$/.exec(target);
  if (thing && THINGS[thing[1] ?? '']) {
    return { text: `${THINGS[thing[1] ?? '']} #${thing[2]}${thing[3] ? ` · ${thing[3].replace(/-/g, ' ')}` : ''}`, path: false };
  }
  return { text: target, path: target.startsWith('/') };
}

/** Entries in a row that repeat one another (the same person doing the same thing to the same target). */
export interface AuditGroup<E> {
  entry: E;
  /** How many entries it stands for (1 for most). */
  count: number;
  /** The oldest of them. */
  oldest: E;
}

/** How far apart two repeated entries may be and still be one row. */
const GROUP_GAP_MS = 10 * 60_000;

/**
 * Folds runs of the same device action (key presses, lock renewals) by the same user on the same
 * target into one row with a count; entries come newest first.
 */
export function groupEntries<E extends { at: string; user: string | null; action: string; target: string | null; ip: string | null; detail: unknown }>(
  entries: E[],
): AuditGroup<E>[] {
  const groups: AuditGroup<E>[] = [];
  const same = (a: E, b: E) =>
    a.action.startsWith('device.') &&
    a.action === b.action &&
    a.user === b.user &&
    a.target === b.target &&
    a.ip === b.ip &&
    JSON.stringify(detailFacts(a.detail)) === JSON.stringify(detailFacts(b.detail)) &&
    Math.abs(Date.parse(a.at) - Date.parse(b.at)) <= GROUP_GAP_MS;
  for (const entry of entries) {
    const last = groups.at(-1);
    if (last && same(last.oldest, entry)) {
      last.count += 1;
      last.oldest = entry;
    } else {
      groups.push({ entry, count: 1, oldest: entry });
    }
  }
  return groups;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
