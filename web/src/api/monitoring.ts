// Monitoring: incidents (black screen, frozen picture, no signal), a device's monitoring
// settings and status, and its timeline of recent frames.

import { request } from './client';
import { devicePath } from './endpoints';

export type IncidentKind = 'black' | 'freeze' | 'no_signal';
export type IncidentStatus = 'active' | 'resolved';
export type FrameLabel = 'before' | 'first' | 'last' | 'after';

export const INCIDENT_KINDS: IncidentKind[] = ['black', 'freeze', 'no_signal'];

export interface IncidentFrame {
  name: string;
  label: FrameLabel;
  captured_at: string;
  url: string;
}

export interface Incident {
  id: number;
  host: string;
  device: string;
  kind: IncidentKind;
  status: IncidentStatus;
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
  resolve_reason: string | null;
  frames: IncidentFrame[];
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  false_positive: boolean;
  comment: string | null;
  updated_at: string;
}

export interface IncidentPage {
  incidents: Incident[];
  next_before: number | null;
}

export interface IncidentQuery {
  host?: string;
  device?: string;
  kind?: string;
  status?: string;
  /** RFC 3339. */
  from?: string;
  to?: string;
  limit?: number;
  /** An incident id: only older ones. */
  before?: number;
}

export const MAX_COMMENT_CHARS = 2000;

// ---------- Monitoring settings ----------

export interface ConditionSettings {
  enabled: boolean;
  /** How long the condition must last before an incident opens. */
  delay_ms: number;
  /** How long it must be gone before the incident closes. */
  clear_ms: number;
}

export interface MonitorSettings {
  enabled: boolean;
  /** Frames analysed per second (0.5–25). */
  fps: number;
  black: ConditionSettings & { max_luma: number; min_fraction: number };
  freeze: ConditionSettings & { max_difference: number };
  no_signal: ConditionSettings;
}

export type ConditionPhase = 'clear' | 'pending' | 'active' | string;

export interface MonitorStatus {
  analysed_fps: number;
  skipped_total: number;
  analysis_ms: number;
  conditions: Partial<Record<IncidentKind, ConditionPhase>>;
}

export interface MonitorState {
  settings: MonitorSettings;
  status: MonitorStatus;
}

// ---------- Timeline ----------

export interface TimelineFrame {
  /** Unix ms. */
  t: number;
  captured_at: string;
}

export interface Timeline {
  frames: TimelineFrame[];
  oldest: number | null;
  newest: number | null;
  fps: number;
  retention_s: number;
  video_export: boolean;
}

// ---------- Events ----------

export type IncidentEventType = 'incident.opened' | 'incident.resolved' | 'incident.updated';

export function isIncidentEvent(event: { type: string }): boolean {
  return event.type === 'incident.opened' || event.type === 'incident.resolved' || event.type === 'incident.updated';
}

/** The incident an `incident.*` event carries, when it has the documented shape. */
export function incidentOf(event: { data?: unknown }): Incident | null {
  const data = event.data as Partial<Incident> | null | undefined;
  if (!data || typeof data !== 'object') return null;
  if (typeof data.id !== 'number' || typeof data.kind !== 'string' || typeof data.status !== 'string') return null;
  return { ...(data as Incident), frames: Array.isArray(data.frames) ? data.frames : [] };
}

// ---------- Calls ----------

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') q.set(key, String(value));
  }
  const qs = q.toString();
  return qs ? `?${qs}` : '';
}

/** `{by}` when the name is one the server takes (1–64 characters), else nothing. */
function byField(by: string | undefined): { by?: string } {
  const name = by?.trim() ?? '';
  return name && name.length <= 64 ? { by: name } : {};
}

export function incidentHref(id: number): string {
  return `/incidents/${id}`;
}

export function timelineFrameUrl(host: string, device: string, t: number): string {
  return `${devicePath(host, device)}/timeline/${t}.jpg`;
}

export function timelineExportUrl(host: string, device: string, from: number, to: number, format: 'zip' | 'mp4'): string {
  return `${devicePath(host, device)}/timeline/export${query({ from, to, format })}`;
}

export const monitoringApi = {
  incidents: (q: IncidentQuery, signal?: AbortSignal) =>
    request<IncidentPage>(`/api/incidents${query({ ...q })}`, { signal }),
  incident: (id: number, signal?: AbortSignal) => request<Incident>(`/api/incidents/${enc(String(id))}`, { signal }),
  /** `by`: who acknowledges (the name this browser uses); the server says "ui" without it. */
  acknowledge: (id: number, by?: string) =>
    request<Incident>(`/api/incidents/${id}/ack`, { method: 'POST', body: byField(by) }),
  markFalsePositive: (id: number, comment: string, by?: string) =>
    request<Incident>(`/api/incidents/${id}/false-positive`, { method: 'POST', body: { comment, ...byField(by) } }),

  monitor: (host: string, device: string, signal?: AbortSignal) =>
    request<MonitorState>(`${devicePath(host, device)}/monitor`, { signal }),
  setMonitor: (host: string, device: string, settings: MonitorSettings) =>
    request<MonitorState>(`${devicePath(host, device)}/monitor`, { method: 'PUT', body: settings }),

  timeline: (host: string, device: string, range: { from?: number; to?: number } = {}, signal?: AbortSignal) =>
    request<Timeline>(`${devicePath(host, device)}/timeline${query(range)}`, { signal }),
};
