// Words and small rules for incidents, shared by the toasts, the list, the wall and the device view.

import type { FrameLabel, Incident, IncidentKind } from '../api/monitoring';

const KIND_TITLES: Record<IncidentKind, string> = {
  black: 'Black screen',
  freeze: 'Frozen picture',
  no_signal: 'No signal',
};

const KIND_SHORT: Record<IncidentKind, string> = {
  black: 'Black',
  freeze: 'Frozen',
  no_signal: 'No signal',
};

const KIND_ICONS: Record<IncidentKind, string> = {
  black: 'screen',
  freeze: 'pause',
  no_signal: 'nosignal',
};

export function kindTitle(kind: IncidentKind | string): string {
  return KIND_TITLES[kind as IncidentKind] ?? kind.replace(/_/g, ' ');
}

export function kindShort(kind: IncidentKind | string): string {
  return KIND_SHORT[kind as IncidentKind] ?? kind.replace(/_/g, ' ');
}

export function kindIcon(kind: IncidentKind | string): string {
  return KIND_ICONS[kind as IncidentKind] ?? 'alert';
}

const FRAME_LABELS: Record<FrameLabel, { title: string; help: string }> = {
  before: { title: 'Just before', help: 'The last frame without the condition, just before it began.' },
  first: { title: 'When it began', help: 'The frame at which the condition was first seen.' },
  last: { title: 'While it lasted', help: 'Frames spread evenly over the time the condition lasted.' },
  after: { title: 'After it cleared', help: 'The first frame after the condition was gone.' },
};

export function frameLabel(label: FrameLabel | string): { title: string; help: string } {
  return FRAME_LABELS[label as FrameLabel] ?? { title: label, help: '' };
}

const FRAME_ORDER: Record<string, number> = { before: 0, first: 1, last: 2, after: 3 };

/** Before, first, then the frames while it lasted (oldest first), then after. */
export function orderedFrames(incident: Incident): Incident['frames'] {
  return [...incident.frames].sort(
    (a, b) =>
      (FRAME_ORDER[a.label] ?? 4) - (FRAME_ORDER[b.label] ?? 4) || Date.parse(a.captured_at) - Date.parse(b.captured_at),
  );
}

/** How long it lasted, or has lasted so far while active. */
export function incidentDurationMs(incident: Incident, now: number): number | null {
  if (incident.duration_ms !== null && incident.duration_ms !== undefined) return incident.duration_ms;
  const started = Date.parse(incident.started_at);
  if (Number.isNaN(started)) return null;
  if (incident.status === 'active') return Math.max(0, now - started);
  const ended = incident.ended_at ? Date.parse(incident.ended_at) : NaN;
  return Number.isNaN(ended) ? null : Math.max(0, ended - started);
}

/** 4_200 → "4.2 s"; 95_000 → "1 min 35 s"; 7_380_000 → "2 h 3 min". */
export function formatIncidentDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const secs = Math.floor(ms / 1000);
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return s > 0 ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}

/** The resolve reason as a sentence ("cleared" is said per kind, other sentences are kept). */
export function describeResolveReason(reason: string | null, kind: IncidentKind | string): string {
  if (!reason) return '—';
  if (reason === 'cleared') {
    if (kind === 'no_signal') return 'The signal came back';
    if (kind === 'freeze') return 'The picture moved again';
    return 'The picture came back';
  }
  const text = reason.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function deviceLabel(incident: Pick<Incident, 'host' | 'device'>): string {
  return `${incident.host}/${incident.device}`;
}
