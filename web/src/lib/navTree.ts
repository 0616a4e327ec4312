// Pure helpers for navigation trees: how actions read, edge health, ids and a fallback layout.

import type { EdgeMetric, NavAction, NavEdge, NavNode, TreeDocument } from '../api/nav';

/** One action in words: "RIGHT ×2", "text “abc”", "wait 500 ms", "power cycle". */
export function formatAction(action: NavAction): string {
  const times = action.repeat && action.repeat > 1 ? ` ×${action.repeat}` : '';
  switch (action.command) {
    case 'press':
      return `${action.key}${times}`;
    case 'text':
      return `text “${action.text}”${times}`;
    case 'wait':
      return `wait ${action.ms} ms${times}`;
    case 'power':
      return `power ${action.action}${times}`;
    default:
      return 'unknown action';
  }
}

/** "RIGHT ×2, OK"; "—" for none. */
export function formatActions(actions: NavAction[] | null | undefined): string {
  if (!actions || actions.length === 0) return '—';
  return actions.map(formatAction).join(', ');
}

/** Appends a key press, folding a repeat of the last key into its `repeat`. */
export function appendPress(actions: NavAction[], key: string): NavAction[] {
  const last = actions[actions.length - 1];
  if (last && last.command === 'press' && last.key === key && (last.repeat ?? 1) < 50) {
    return [...actions.slice(0, -1), { ...last, repeat: (last.repeat ?? 1) + 1 }];
  }
  return [...actions, { command: 'press', key }];
}

export type Health = 'good' | 'warn' | 'bad' | 'untested';

export function healthOf(rate: number | null): Health {
  if (rate === null) return 'untested';
  if (rate >= 0.95) return 'good';
  if (rate >= 0.7) return 'warn';
  return 'bad';
}

export interface EdgeHealth {
  health: Health;
  /** The worse of the two directions' success rates, null when neither ran. */
  rate: number | null;
  forward: EdgeMetric | null;
  reverse: EdgeMetric | null;
}

export function edgeHealth(edgeId: string, metrics: EdgeMetric[]): EdgeHealth {
  const forward = metrics.find((m) => m.edge_id === edgeId && m.direction === 'forward') ?? null;
  const reverse = metrics.find((m) => m.edge_id === edgeId && m.direction === 'reverse') ?? null;
  const rates = [forward, reverse].filter((m): m is EdgeMetric => m !== null && m.runs > 0).map((m) => m.success_rate);
  const rate = rates.length ? Math.min(...rates) : null;
  return { health: healthOf(rate), rate, forward, reverse };
}

export const ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** A node id from a label: "Wi-Fi settings" → "wi-fi_settings", unique in the tree. */
export function slugId(label: string, taken: Set<string>, fallback = 'screen'): string {
  const base =
    label
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '_')
      .replace(/^_+|_+$/g, '') || fallback;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
  return id;
}

export function edgeIdFor(source: string, target: string, edges: NavEdge[]): string {
  return slugId(`${source}-${target}`, new Set(edges.map((e) => e.id)), 'edge');
}

/**
 * Positions from the document, unless most nodes share one spot (a tree written by hand or by a
 * script): then columns by distance from `entry`.
 */
export function layoutNodes(doc: TreeDocument): Map<string, { x: number; y: number }> {
  const out = new Map<string, { x: number; y: number }>();
  const spots = new Set(doc.nodes.map((n) => `${Math.round(n.position?.x ?? 0)},${Math.round(n.position?.y ?? 0)}`));
  if (doc.nodes.length <= 1 || spots.size > doc.nodes.length / 2) {
    for (const n of doc.nodes) out.set(n.id, { x: n.position?.x ?? 0, y: n.position?.y ?? 0 });
    return out;
  }
  const depth = new Map<string, number>();
  const start = doc.nodes.find((n) => n.type === 'entry') ?? doc.nodes[0];
  const queue: string[] = start ? [start.id] : [];
  if (start) depth.set(start.id, 0);
  while (queue.length) {
    const id = queue.shift() as string;
    for (const e of doc.edges) {
      const next = e.source === id ? e.target : e.reverse && e.target === id ? e.source : null;
      if (next && !depth.has(next)) {
        depth.set(next, (depth.get(id) ?? 0) + 1);
        queue.push(next);
      }
    }
  }
  const rows = new Map<number, number>();
  for (const n of doc.nodes) {
    const d = depth.get(n.id) ?? Math.max(0, ...depth.values()) + 1;
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    out.set(n.id, { x: d * 280, y: row * 200 });
  }
  return out;
}

export function nodeById(doc: TreeDocument, id: string | null): NavNode | null {
  return id ? (doc.nodes.find((n) => n.id === id) ?? null) : null;
}

export function edgeById(doc: TreeDocument, id: string | null): NavEdge | null {
  return id ? (doc.edges.find((e) => e.id === id) ?? null) : null;
}

/** Same content, ignoring key order and server-only fields. */
export function sameDocument(a: TreeDocument, b: TreeDocument): boolean {
  return canonical(a) === canonical(b);
}

function canonical(doc: TreeDocument): string {
  const sortKeys = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          // `repeat: 1` is the default the server leaves out.
          .filter(([k, v]) => k !== 'screenshot_url' && v !== undefined && !(k === 'repeat' && v === 1))
          .sort(([x], [y]) => x.localeCompare(y))
          .map(([k, v]) => [k, sortKeys(v)]),
      );
    }
    return value;
  };
  return JSON.stringify(sortKeys(doc));
}
