// Navigation trees, userinterfaces and navigation jobs (docs/navigation.md).

import { request } from './client';
import { devicePath } from './endpoints';
import type { Area, VerificationResult } from './types';

export type NodeType = 'entry' | 'menu' | 'screen';
export type PassMode = 'all' | 'any';

export interface Point {
  x: number;
  y: number;
}

/** A verification as a tree stores it: references are named within the tree's userinterface. */
export interface NavVerification {
  kind: 'image' | 'text' | 'black' | 'motion' | 'freeze';
  reference?: string;
  expect?: string;
  region?: Area | null;
  mode?: 'present' | 'absent';
  threshold?: number;
  duration_ms?: number;
  [extra: string]: unknown;
}

export interface NavNode {
  id: string;
  label: string;
  type: NodeType;
  position: Point;
  verifications?: NavVerification[];
  pass?: PassMode;
  timeout_ms?: number;
  /** Read-only, from the server; never sent back. */
  screenshot_url?: string | null;
}

export type NavAction =
  | { command: 'press'; key: string; repeat?: number }
  | { command: 'text'; text: string; repeat?: number }
  | { command: 'wait'; ms: number; repeat?: number }
  | { command: 'power'; action: 'on' | 'off' | 'cycle'; repeat?: number };

export interface NavEdge {
  id: string;
  source: string;
  target: string;
  forward: NavAction[];
  reverse: NavAction[] | null;
  retry?: NavAction[];
  failure?: NavAction[];
  wait_ms?: number;
  weight?: number;
}

export interface TreeDocument {
  nodes: NavNode[];
  edges: NavEdge[];
}

export type Direction = 'forward' | 'reverse';

export interface EdgeMetric {
  edge_id: string;
  direction: Direction;
  runs: number;
  successes: number;
  success_rate: number;
  mean_ms: number | null;
  min_ms: number | null;
  max_ms: number | null;
  last_status: string | null;
  last_at: string | null;
}

export interface Tree extends TreeDocument {
  id: number;
  userinterface: { id: number; name: string };
  version: number;
  updated_at: string;
  metrics: EdgeMetric[];
}

export interface Userinterface {
  id: number;
  name: string;
  description: string | null;
  models: string[];
  tree_id: number;
  node_count: number;
  edge_count: number;
  reference_count: number;
  created_at: string;
  updated_at: string;
}

export interface HistoryEntry {
  version: number;
  message: string | null;
  created_at: string;
  node_count: number;
  edge_count: number;
}

export type JobStatus = 'running' | 'passed' | 'failed' | 'error' | 'cancelled';
export type StepStatus = 'running' | 'passed' | 'failed' | 'retried' | string;

export interface JobStep {
  index: number;
  kind: 'edge' | 'localise' | 'verify' | string;
  edge_id: string | null;
  direction: Direction | null;
  from: string | null;
  to: string | null;
  actions: string;
  status: StepStatus;
  attempt: number;
  ms: number | null;
  action_ms?: number | null;
  verify_ms?: number | null;
  detail: string;
  verifications: VerificationResult[];
  screenshot_url: string | null;
}

export interface EdgeResult {
  edge_id: string;
  direction: Direction;
  passed: boolean;
  ms: number | null;
  detail: string;
  screenshot_url: string | null;
}

export interface ValidationSummary {
  moves: number;
  edges_total: number;
  edges_passed: number;
  efficiency: number;
  results: EdgeResult[];
}

export interface NavJob {
  id: number;
  kind: 'goto' | 'validate' | string;
  tree_id: number;
  host: string;
  device: string;
  target: string | null;
  status: JobStatus;
  started_at: string;
  finished_at: string | null;
  error: string | null;
  position: string | null;
  attempts: number;
  validation_id: number | null;
  steps: JobStep[];
  validation?: ValidationSummary | null;
}

/** A past validation; `results` only when fetched on its own. */
export interface Validation {
  id: number;
  tree_id: number;
  job_id?: number;
  host: string;
  device: string;
  status: JobStatus;
  started_at: string;
  finished_at: string | null;
  moves: number;
  edges_total: number;
  edges_passed: number;
  efficiency: number;
  results?: EdgeResult[];
}

export interface ExportDocument {
  format: 'vpt-tree';
  format_version: number;
  userinterface: { name: string; description?: string | null; models?: string[] };
  [rest: string]: unknown;
}

const enc = encodeURIComponent;

/** Only the document's own fields are sent: the server adds `screenshot_url`, it never takes it. */
export function toDocument(doc: TreeDocument): TreeDocument {
  return {
    nodes: doc.nodes.map(({ screenshot_url: _ignored, ...node }) => node),
    edges: doc.edges,
  };
}

function lockHeaders(lockToken: string | null): Record<string, string> {
  return lockToken ? { 'X-Vpt-Lock': lockToken } : {};
}

export const navApi = {
  userinterfaces: (signal?: AbortSignal) => request<Userinterface[]>('/api/userinterfaces', { signal }),
  createUserinterface: (body: { name: string; description?: string; models?: string[] }) =>
    request<Userinterface>('/api/userinterfaces', { method: 'POST', body }),

  tree: (id: number, signal?: AbortSignal) => request<Tree>(`/api/trees/${id}`, { signal }),
  saveTree: (id: number, doc: TreeDocument, message: string, baseVersion: number) =>
    request<Tree>(`/api/trees/${id}`, {
      method: 'PUT',
      body: { ...toDocument(doc), message: message || undefined, base_version: baseVersion },
    }),
  takeScreenshot: (id: number, node: string, host: string, device: string) =>
    request<unknown>(`/api/trees/${id}/nodes/${enc(node)}/screenshot`, { method: 'POST', body: { host, device } }),

  history: (id: number, signal?: AbortSignal) => request<HistoryEntry[]>(`/api/trees/${id}/history`, { signal }),
  historyVersion: (id: number, version: number) =>
    request<TreeDocument & { version?: number }>(`/api/trees/${id}/history/${version}`),
  restore: (id: number, version: number) =>
    request<Tree>(`/api/trees/${id}/history/${version}/restore`, { method: 'POST' }),

  exportUrl: (id: number) => `/api/trees/${id}/export`,
  importTree: (doc: unknown, options: { replace?: boolean; name?: string } = {}) => {
    const query = new URLSearchParams();
    if (options.replace) query.set('replace', 'true');
    if (options.name) query.set('name', options.name);
    const qs = query.toString();
    return request<{ userinterface: Userinterface; tree_id: number } | Userinterface>(`/api/trees/import${qs ? `?${qs}` : ''}`, {
      method: 'POST',
      body: doc,
    }).then((answer) => ('userinterface' in answer && typeof answer.userinterface === 'object' ? answer.userinterface : (answer as Userinterface)));
  },

  navigate: (host: string, device: string, treeId: number, target: string, lockToken: string | null) =>
    request<{ job: NavJob } | NavJob>(`${devicePath(host, device)}/navigate`, {
      method: 'POST',
      body: { tree_id: treeId, target },
      headers: lockHeaders(lockToken),
    }),
  validate: (host: string, device: string, treeId: number, lockToken: string | null) =>
    request<{ job: NavJob } | NavJob>(`${devicePath(host, device)}/validate`, {
      method: 'POST',
      body: { tree_id: treeId },
      headers: lockHeaders(lockToken),
    }),
  jobs: (signal?: AbortSignal) => request<NavJob[]>('/api/nav/jobs', { signal }),
  job: (id: number, signal?: AbortSignal) => request<NavJob>(`/api/nav/jobs/${id}`, { signal }),
  cancelJob: (id: number) => request<unknown>(`/api/nav/jobs/${id}/cancel`, { method: 'POST' }),

  validations: (treeId: number, signal?: AbortSignal) =>
    request<Validation[]>(`/api/trees/${treeId}/validations`, { signal }),
  validation: (id: number, signal?: AbortSignal) => request<Validation>(`/api/validations/${id}`, { signal }),
};

/** `{job}` per the contract; a bare job is accepted too. */
export function jobOf(answer: { job: NavJob } | NavJob): NavJob {
  return 'job' in answer && answer.job && typeof answer.job === 'object' ? answer.job : (answer as NavJob);
}
