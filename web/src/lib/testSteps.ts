// Pure helpers for test case steps: defaults, summaries, edits at a place in nested repeats, and
// reading the place a server validation error names.

import type { RunStatus, StepAction, TestStep, TestVerification } from '../api/testing';
import { keyLabel } from './remoteKeys';

export const ACTIONS: { action: StepAction; label: string; icon: string; hint: string }[] = [
  { action: 'goto', label: 'Go to', icon: 'tree', hint: 'Walk the navigation tree to a screen' },
  { action: 'press', label: 'Press', icon: 'devices', hint: 'Press remote keys' },
  { action: 'text', label: 'Type text', icon: 'keyboard', hint: 'Type text with the remote' },
  { action: 'verify', label: 'Verify', icon: 'target', hint: 'Check what the screen shows' },
  { action: 'wait', label: 'Wait', icon: 'clock', hint: 'Pause for a while' },
  { action: 'screenshot', label: 'Screenshot', icon: 'camera', hint: 'Keep the picture in the report' },
  { action: 'power', label: 'Power', icon: 'power', hint: 'Switch the device on, off, or cycle it' },
  { action: 'repeat', label: 'Repeat', icon: 'refresh', hint: 'Run a block of steps several times' },
];

export function actionInfo(action: string) {
  return ACTIONS.find((a) => a.action === action) ?? { action, label: action, icon: 'target', hint: '' };
}

/** Repeats nest at most this deep (docs/testing.md). */
export const MAX_DEPTH = 4;

let uidCounter = 0;
export function newUid(): string {
  uidCounter += 1;
  return `s${uidCounter}`;
}

export function newStep(action: StepAction): TestStep {
  const uid = newUid();
  switch (action) {
    case 'goto':
      return { uid, action, node: '' };
    case 'press':
      return { uid, action, keys: [] };
    case 'text':
      return { uid, action, text: '' };
    case 'verify':
      return { uid, action, verifications: [] };
    case 'wait':
      return { uid, action, ms: 1000 };
    case 'screenshot':
      return { uid, action };
    case 'power':
      return { uid, action, power: 'on' };
    case 'repeat':
      return { uid, action, times: 2, steps: [] };
  }
}

/** Gives every step (and every step inside repeats) a fresh editor key. */
export function withUids(steps: TestStep[]): TestStep[] {
  return steps.map((step) => {
    const keyed = { ...step, uid: newUid() } as TestStep;
    if (keyed.action === 'repeat') keyed.steps = withUids(keyed.steps ?? []);
    return keyed;
  });
}

/** The steps as the server takes them: no editor keys, no empty optional fields. */
export function cleanSteps(steps: TestStep[]): TestStep[] {
  return steps.map((step) => {
    const { uid: _uid, ...rest } = step;
    const out: Record<string, unknown> = { ...rest };
    if (typeof out.label === 'string' && !out.label.trim()) delete out.label;
    if (!out.continue_on_failure) delete out.continue_on_failure;
    if (out.timeout_ms === undefined || out.timeout_ms === null) delete out.timeout_ms;
    if (step.action === 'screenshot' && !(step.name ?? '').trim()) delete out.name;
    if (step.action === 'press') {
      if (!step.repeat || step.repeat === 1) delete out.repeat;
      if (!step.hold_ms) delete out.hold_ms;
    }
    if (step.action === 'verify' && step.pass !== 'any') delete out.pass;
    if (step.action === 'repeat') out.steps = cleanSteps(step.steps);
    return out as unknown as TestStep;
  });
}

export function describeVerification(v: TestVerification): string {
  const mode = v.mode === 'absent' ? ' absent' : v.mode === 'appear_then_disappear' ? ' appears then disappears' : '';
  switch (v.kind) {
    case 'image':
      return `image “${v.reference ?? '?'}”${mode}`;
    case 'text':
      return v.reference ? `text “${v.reference}”${mode}` : `text “${v.expect ?? ''}”${mode}`;
    case 'black':
      return `black screen${mode}`;
    case 'motion':
      return `motion${mode}`;
    case 'freeze':
      return `frozen picture${mode}`;
    default:
      return `${String(v.kind)}${mode}`;
  }
}

/** What the step list shows: the label, else a short description of the action. */
export function stepSummary(step: TestStep): string {
  if (step.label?.trim()) return step.label.trim();
  switch (step.action) {
    case 'goto':
      return step.node ? `Go to ${step.node}` : 'Go to…';
    case 'press': {
      if (step.keys.length === 0) return 'Press…';
      let text = `Press ${step.keys.map(keyLabel).join(' ')}`;
      if ((step.repeat ?? 1) > 1) text += ` ×${step.repeat}`;
      if (step.hold_ms) text += ` (hold ${step.hold_ms} ms)`;
      return text;
    }
    case 'text':
      return step.text ? `Type “${step.text}”` : 'Type…';
    case 'verify':
      return step.verifications.length
        ? `Verify ${step.verifications.map(describeVerification).join(step.pass === 'any' ? ' or ' : ' and ')}`
        : 'Verify…';
    case 'wait':
      return `Wait ${formatWait(step.ms)}`;
    case 'screenshot':
      return step.name?.trim() ? `Screenshot “${step.name.trim()}”` : 'Screenshot';
    case 'power':
      return { on: 'Power on', off: 'Power off', cycle: 'Power cycle' }[step.power] ?? 'Power';
    case 'repeat':
      return `Repeat ${step.times}× (${step.steps.length} ${step.steps.length === 1 ? 'step' : 'steps'})`;
  }
}

function formatWait(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 1000 && ms % 100 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** Every step (repeats and their inner steps), counted as the server counts them. */
export function countSteps(steps: TestStep[]): number {
  return steps.reduce((n, s) => n + 1 + (s.action === 'repeat' ? countSteps(s.steps) : 0), 0);
}

// ---------- Edits at a place: a path of indexes through nested repeats ----------

export type StepPath = number[];

export function stepAt(steps: TestStep[], path: StepPath): TestStep | null {
  let list = steps;
  let found: TestStep | null = null;
  for (const index of path) {
    found = list[index] ?? null;
    if (!found) return null;
    list = found.action === 'repeat' ? found.steps : [];
  }
  return found;
}

/** Replaces the list of steps at `parent` (the top level for `[]`). */
function mapList(steps: TestStep[], parent: StepPath, fn: (list: TestStep[]) => TestStep[]): TestStep[] {
  if (parent.length === 0) return fn(steps);
  const [head, ...rest] = parent;
  return steps.map((step, i) =>
    i === head && step.action === 'repeat' ? { ...step, steps: mapList(step.steps, rest, fn) } : step,
  );
}

export function updateStep(steps: TestStep[], path: StepPath, next: TestStep): TestStep[] {
  const parent = path.slice(0, -1);
  const index = path[path.length - 1] ?? -1;
  return mapList(steps, parent, (list) => list.map((s, i) => (i === index ? next : s)));
}

export function removeStep(steps: TestStep[], path: StepPath): TestStep[] {
  const parent = path.slice(0, -1);
  const index = path[path.length - 1] ?? -1;
  return mapList(steps, parent, (list) => list.filter((_, i) => i !== index));
}

export function insertStep(steps: TestStep[], parent: StepPath, index: number, step: TestStep): TestStep[] {
  return mapList(steps, parent, (list) => [...list.slice(0, index), step, ...list.slice(index)]);
}

export function moveStep(steps: TestStep[], path: StepPath, delta: -1 | 1): TestStep[] {
  const parent = path.slice(0, -1);
  const index = path[path.length - 1] ?? -1;
  return mapList(steps, parent, (list) => {
    const to = index + delta;
    if (to < 0 || to >= list.length) return list;
    const next = [...list];
    const [moved] = next.splice(index, 1);
    if (moved) next.splice(to, 0, moved);
    return next;
  });
}

// ---------- Server validation errors ----------

export interface PlaceError {
  /** The step the error names, as a path of indexes; null for the test case's own fields. */
  path: StepPath | null;
  /** What comes after the step: `keys`, `verifications[0].reference`, or the document field. */
  field: string;
  message: string;
}

/**
 * Reads `steps[0].steps[1].text: must be 1 to 1000 characters` into the step's path `[0, 1]`,
 * the field `text` and the message. Details that name no place give null.
 */
export function parsePlaceError(detail: string): PlaceError | null {
  const match = /^([A-Za-z_][\w.[\]]*):\s+([\s\S]*)$/.exec(detail.trim());
  if (!match) return null;
  const place = match[1] ?? '';
  const message = match[2] ?? '';
  const path: number[] = [];
  let rest = place;
  for (;;) {
    const step = /^steps\[(\d+)\]\.?/.exec(rest);
    if (!step) break;
    path.push(Number(step[1]));
    rest = rest.slice(step[0].length);
  }
  if (path.length === 0) return { path: null, field: place, message };
  return { path, field: rest, message };
}

/** Which verification of a verify step the field names (`verifications[2].reference` → 2). */
export function verificationIndexOf(field: string): number | null {
  const m = /^verifications\[(\d+)\]/.exec(field);
  return m ? Number(m[1]) : null;
}

/** `steps[1].steps[0]` → `[1, 0]` (a run's step results name their place this way). */
export function pathOf(place: string): StepPath {
  return parsePlaceError(`${place}: x`)?.path ?? [];
}

/** The document's steps in reading order, with their place and depth. */
export function flattenSteps(steps: TestStep[], prefix = 'steps', depth = 0): { path: string; depth: number; step: TestStep }[] {
  return steps.flatMap((step, i) => {
    const path = `${prefix}[${i}]`;
    const here = { path, depth, step };
    return step.action === 'repeat' ? [here, ...flattenSteps(step.steps, `${path}.steps`, depth + 1)] : [here];
  });
}

// ---------- Run statuses ----------

const RUN_STATUS: Record<string, { label: string; tone: string; icon: string }> = {
  queued: { label: 'Queued', tone: 'muted', icon: 'clock' },
  running: { label: 'Running', tone: 'accent', icon: 'play' },
  passed: { label: 'Passed', tone: 'good', icon: 'check' },
  failed: { label: 'Failed', tone: 'bad', icon: 'close' },
  error: { label: 'Error', tone: 'warn', icon: 'alert' },
  cancelled: { label: 'Cancelled', tone: 'muted', icon: 'stop' },
  not_run: { label: 'Not run', tone: 'muted', icon: 'stop' },
  not_started: { label: 'Not started', tone: 'muted', icon: 'clock' },
};

export function runStatusInfo(status: RunStatus | string) {
  return RUN_STATUS[status] ?? { label: status, tone: 'muted', icon: 'target' };
}

export function isFinished(status: RunStatus | string): boolean {
  return status !== 'queued' && status !== 'running';
}

/** How long a test run took, or has been running so far; null before it starts. */
export function runDurationMs(run: { status: string; started_at: string | null; duration_ms: number | null }, now: number): number | null {
  return run.duration_ms ?? (run.status === 'running' && run.started_at ? now - Date.parse(run.started_at) : null);
}

/** 412 → "0.4 s"; 12_300 → "12.3 s"; 192_000 → "3 min 12 s"; 3_900_000 → "1 h 5 min". */
export function formatRunDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const secs = Math.round(ms / 1000);
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return s > 0 ? `${m} min ${s} s` : `${m} min`;
}

/** Short words for a run target: `sim1 on bench`, `any stb`, `any device with power`. */
export function describeTarget(target: { host?: string; device?: string; model?: string; capability?: string } | null | undefined): string {
  if (!target) return 'Any free device';
  if (target.host && target.device) return `${target.device} on ${target.host}`;
  const parts: string[] = [];
  if (target.model) parts.push(`model ${target.model}`);
  if (target.capability) parts.push(`with ${target.capability}`);
  if (target.host) parts.push(`on ${target.host}`);
  return parts.length ? `Any free device, ${parts.join(', ')}` : 'Any free device';
}

/** `ui`, `schedule:nightly` → "UI", "Schedule nightly". */
export function describeStartedBy(startedBy: string | null | undefined): string {
  if (!startedBy) return '—';
  const [kind, ...rest] = startedBy.split(':');
  const name = rest.join(':');
  const kinds: Record<string, string> = { ui: 'Web UI', api: 'API', cli: 'CLI', schedule: 'Schedule', campaign: 'Campaign' };
  const label = kinds[kind ?? ''] ?? startedBy;
  return name && kinds[kind ?? ''] ? `${label} “${name}”` : label;
}
