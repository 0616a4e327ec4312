// Test cases, runs, campaigns and schedules (docs/testing.md).

import { request } from './client';
import type { Area, Reference, VerificationResult } from './types';

// ---------- The test case document (schema 1) ----------

export type StepAction = 'goto' | 'press' | 'text' | 'verify' | 'wait' | 'screenshot' | 'power' | 'repeat';
export type TestVerificationKind = 'image' | 'text' | 'black' | 'motion' | 'freeze' | 'element';
export type TestVerificationMode = 'present' | 'absent' | 'appear_then_disappear';
export type PowerChoice = 'on' | 'off' | 'cycle';

/** A verification as a test case stores it: references are named in the test case's userinterface. */
export interface TestVerification {
  kind: TestVerificationKind;
  reference?: string;
  expect?: string;
  mode?: TestVerificationMode;
  timeout_ms?: number;
  duration_ms?: number;
  threshold?: number;
  region?: Area | null;
  /** Fields the editor does not show (kept as they are, e.g. from an imported file). */
  [extra: string]: unknown;
}

interface StepCommon {
  /** The editor's own key for a step (stable across reorders); never sent to the server. */
  uid?: string;
  /** Shown instead of the generated summary. */
  label?: string;
  continue_on_failure?: boolean;
  timeout_ms?: number;
}

export interface GotoStep extends StepCommon {
  action: 'goto';
  node: string;
}
export interface PressStep extends StepCommon {
  action: 'press';
  keys: string[];
  repeat?: number;
  hold_ms?: number;
}
export interface TextStep extends StepCommon {
  action: 'text';
  text: string;
}
export interface VerifyStep extends StepCommon {
  action: 'verify';
  verifications: TestVerification[];
  pass?: 'all' | 'any';
}
export interface WaitStep extends StepCommon {
  action: 'wait';
  ms: number;
}
export interface ScreenshotStep extends StepCommon {
  action: 'screenshot';
  name?: string;
}
export interface PowerStep extends StepCommon {
  action: 'power';
  power: PowerChoice;
}
export interface RepeatStep extends StepCommon {
  action: 'repeat';
  times: number;
  steps: TestStep[];
}

export type TestStep = GotoStep | PressStep | TextStep | VerifyStep | WaitStep | ScreenshotStep | PowerStep | RepeatStep;

export interface TestCaseDocument {
  schema?: number;
  userinterface?: string | null;
  timeout_s?: number;
  steps: TestStep[];
}

// ---------- Test cases ----------

export type RunStatus = 'queued' | 'running' | 'passed' | 'failed' | 'error' | 'cancelled';
export type StepStatus = 'passed' | 'failed' | 'error';

export interface LastRun {
  id: number;
  status: RunStatus;
  finished_at: string | null;
}

export interface TestCaseSummary {
  id: number;
  name: string;
  description: string | null;
  tags: string[];
  userinterface: string | null;
  /** Number of steps. */
  steps: number;
  version: number;
  created_at: string;
  updated_at: string;
  last_run: LastRun | null;
}

export interface TestCase {
  id: number;
  name: string;
  description: string | null;
  tags: string[];
  version: number;
  created_at: string;
  updated_at: string;
  document: TestCaseDocument;
}

export interface TestCaseBody {
  name: string;
  description?: string;
  tags?: string[];
  userinterface?: string;
  timeout_s?: number;
  steps: TestStep[];
  base_version?: number;
}

export interface TagCount {
  tag: string;
  count: number;
}

// ---------- Runs ----------

/** Which devices a run may take: one device (`host` + `device`), or any free one that fits. */
export interface Target {
  host?: string;
  device?: string;
  model?: string;
  capability?: string;
}

export interface Run {
  id: number;
  testcase_id: number | null;
  testcase_name: string;
  testcase_version: number;
  status: RunStatus;
  reason: string | null;
  started_by: string;
  target: Target | null;
  host: string | null;
  device: string | null;
  campaign_run_id: number | null;
  timeout_s: number;
  queued_at: string;
  started_at: string | null;
  first_step_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  steps_done: number;
  steps_failed: number;
}

export interface LogLine {
  ms: number;
  text: string;
}

/** A verification's outcome in a run: the verify API's result, with `annotated` naming an artifact. */
export interface RunVerificationResult extends VerificationResult {
  annotated?: string | null;
}

export interface StepResult {
  index: number;
  path: string;
  iteration?: number[];
  action: StepAction | string;
  label: string;
  status: StepStatus;
  continue_on_failure?: boolean;
  started_at: string;
  ms: number;
  detail?: string;
  log?: LogLine[];
  verifications?: RunVerificationResult[];
  before?: string | null;
  after?: string | null;
}

export interface CurrentStep {
  index: number;
  path: string;
  label: string;
  started_at: string;
  iteration?: number[];
}

export interface RunDetail extends Run {
  steps: StepResult[];
  document: TestCaseDocument | null;
  current: CurrentStep | null;
  queue_position: number | null;
}

export interface RunQuery {
  testcase_id?: number;
  campaign_run_id?: number;
  host?: string;
  device?: string;
  status?: string;
  since?: string;
  until?: string;
  limit?: number;
  offset?: number;
}

export interface RunPage {
  runs: Run[];
  total: number;
}

export interface DayStats {
  day: string;
  passed: number;
  failed: number;
  error: number;
  cancelled: number;
}

export interface RunStats {
  days: DayStats[];
  total: Omit<DayStats, 'day'>;
  pass_rate: number | null;
}

export interface NewRun {
  testcase_id: number;
  target?: Target;
  timeout_s?: number;
  started_by?: string;
}

// ---------- Campaigns ----------

export interface Campaign {
  id: number;
  name: string;
  description: string | null;
  testcase_ids: number[];
  /** `name` is null for a test case deleted since. */
  testcases: { id: number; name: string | null }[];
  continue_on_failure: boolean;
  test_timeout_s: number | null;
  target: Target | null;
  created_at: string;
  updated_at: string;
  last_run: LastRun | null;
}

export interface CampaignBody {
  name: string;
  description?: string;
  testcase_ids: number[];
  continue_on_failure: boolean;
  test_timeout_s?: number;
  target?: Target;
}

export interface CampaignRunTest {
  position: number;
  testcase_id: number | null;
  name: string;
  run: Run | null;
}

export interface CampaignRun {
  id: number;
  campaign_id: number | null;
  name: string;
  status: RunStatus;
  reason: string | null;
  started_by: string;
  target: Target | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  continue_on_failure: boolean;
  test_timeout_s: number | null;
  tests: CampaignRunTest[];
  passed: number;
  failed: number;
  errors: number;
  not_run: number;
}

// ---------- Schedules ----------

export interface Firing {
  at: string;
  run_id: number | null;
  campaign_run_id: number | null;
  /** Why nothing ran, when nothing did. */
  skipped: string | null;
}

export interface Schedule {
  id: number;
  name: string;
  testcase_id: number | null;
  campaign_id: number | null;
  /** The name of the test case or campaign it starts. */
  target_name: string | null;
  target: Target | null;
  cron: string;
  start_at: string | null;
  end_at: string | null;
  max_runs: number | null;
  enabled: boolean;
  fired: number;
  next_fire_at: string | null;
  last_firing: Firing | null;
  created_at: string;
  updated_at: string;
}

export interface ScheduleBody {
  name: string;
  testcase_id?: number;
  campaign_id?: number;
  target?: Target;
  cron: string;
  start_at?: string;
  end_at?: string;
  max_runs?: number;
  enabled?: boolean;
}

// ---------- Events ----------

/** What `/api/events` says about runs, campaigns and schedules. */
export interface TestingEvent {
  type: string;
  data: Record<string, unknown>;
}

const RUN_EVENTS = new Set(['run.queued', 'run.started', 'run.step', 'run.finished']);

export function isRunEvent(event: { type: string }): boolean {
  return RUN_EVENTS.has(event.type);
}

/** The run an event carries (`run.queued|started|finished`), or its id (`run.step`). */
export function runIdOf(event: TestingEvent): number | null {
  const data = event.data ?? {};
  if (typeof data.run_id === 'number') return data.run_id;
  if (typeof data.id === 'number') return data.id;
  const run = data.run as { id?: unknown } | undefined;
  if (run && typeof run.id === 'number') return run.id;
  return null;
}

/** `run.*` events carry the run itself, or `{run}`. */
export function runOf(event: TestingEvent): Run | null {
  const data = event.data ?? {};
  if (data.run && typeof data.run === 'object') return data.run as Run;
  if (typeof data.id === 'number' && typeof data.status === 'string') return data as unknown as Run;
  return null;
}

// ---------- Calls ----------

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') q.set(key, String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const testingApi = {
  testcases: (params: { q?: string; tag?: string } = {}, signal?: AbortSignal) =>
    request<TestCaseSummary[]>(`/api/testcases${query(params)}`, { signal }),
  testcase: (id: number, signal?: AbortSignal) => request<TestCase>(`/api/testcases/${id}`, { signal }),
  createTestcase: (body: TestCaseBody) => request<TestCase>('/api/testcases', { method: 'POST', body }),
  updateTestcase: (id: number, body: TestCaseBody) => request<TestCase>(`/api/testcases/${id}`, { method: 'PUT', body }),
  deleteTestcase: (id: number) => request<void>(`/api/testcases/${id}`, { method: 'DELETE' }),
  duplicateTestcase: (id: number, name?: string) =>
    request<TestCase>(`/api/testcases/${id}/duplicate`, { method: 'POST', body: name ? { name } : {} }),
  tags: (signal?: AbortSignal) => request<TagCount[]>('/api/tags', { signal }),
  references: (userinterface: string, signal?: AbortSignal) =>
    request<Reference[]>(`/api/references${query({ userinterface })}`, { signal }),

  runs: (params: RunQuery = {}, signal?: AbortSignal) =>
    request<RunPage>(`/api/runs${query({ ...params })}`, { signal }),
  run: (id: number, signal?: AbortSignal) => request<RunDetail>(`/api/runs/${id}`, { signal }),
  startRun: (body: NewRun) => request<Run>('/api/runs', { method: 'POST', body }),
  cancelRun: (id: number) => request<Run>(`/api/runs/${id}/cancel`, { method: 'POST' }),
  stats: (days: number, testcaseId?: number, signal?: AbortSignal) =>
    request<RunStats>(`/api/runs/stats${query({ days, testcase_id: testcaseId })}`, { signal }),
  reportUrl: (id: number) => `/api/runs/${id}/report.html`,
  junitUrl: (id: number) => `/api/runs/${id}/junit.xml`,
  artifactUrl: (id: number, name: string) => `/api/runs/${id}/artifacts/${enc(name)}`,

  campaigns: (signal?: AbortSignal) => request<Campaign[]>('/api/campaigns', { signal }),
  campaign: (id: number, signal?: AbortSignal) => request<Campaign>(`/api/campaigns/${id}`, { signal }),
  createCampaign: (body: CampaignBody) => request<Campaign>('/api/campaigns', { method: 'POST', body }),
  updateCampaign: (id: number, body: CampaignBody) => request<Campaign>(`/api/campaigns/${id}`, { method: 'PUT', body }),
  deleteCampaign: (id: number) => request<void>(`/api/campaigns/${id}`, { method: 'DELETE' }),
  runCampaign: (id: number, body: { target?: Target; started_by?: string }) =>
    request<CampaignRun>(`/api/campaigns/${id}/run`, { method: 'POST', body }),
  campaignRuns: (params: { campaign_id?: number; limit?: number; offset?: number } = {}, signal?: AbortSignal) =>
    request<{ campaign_runs: CampaignRun[]; total: number }>(`/api/campaign-runs${query(params)}`, { signal }),
  campaignRun: (id: number, signal?: AbortSignal) => request<CampaignRun>(`/api/campaign-runs/${id}`, { signal }),
  cancelCampaignRun: (id: number) => request<CampaignRun>(`/api/campaign-runs/${id}/cancel`, { method: 'POST' }),
  campaignReportUrl: (id: number) => `/api/campaign-runs/${id}/report.html`,
  campaignJunitUrl: (id: number) => `/api/campaign-runs/${id}/junit.xml`,

  schedules: (signal?: AbortSignal) => request<Schedule[]>('/api/schedules', { signal }),
  schedule: (id: number, signal?: AbortSignal) => request<Schedule>(`/api/schedules/${id}`, { signal }),
  createSchedule: (body: ScheduleBody) => request<Schedule>('/api/schedules', { method: 'POST', body }),
  updateSchedule: (id: number, body: ScheduleBody) => request<Schedule>(`/api/schedules/${id}`, { method: 'PUT', body }),
  deleteSchedule: (id: number) => request<void>(`/api/schedules/${id}`, { method: 'DELETE' }),
  firings: (id: number, limit = 20, signal?: AbortSignal) =>
    request<Firing[]>(`/api/schedules/${id}/firings${query({ limit })}`, { signal }),
};
