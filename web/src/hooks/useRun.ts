// Follows one run live: `run.*` events as they come, a slow poll as the safety net.

import { useCallback, useEffect, useRef, useState } from 'react';
import { runIdOf, runOf, testingApi } from '../api/testing';
import type { CurrentStep, RunDetail, StepResult, TestingEvent } from '../api/testing';
import { isFinished } from '../lib/testSteps';
import { useServerEvents } from './useServerEvents';

const POLL_MS = 5000;

function mergeStep(run: RunDetail, step: StepResult): RunDetail {
  const steps = run.steps.filter((s) => s.index !== step.index);
  steps.push(step);
  steps.sort((a, b) => a.index - b.index);
  const current = run.current && run.current.index === step.index ? null : run.current;
  return { ...run, steps, current };
}

export interface RunTracker {
  run: RunDetail | null;
  /** Why the run could not be loaded (only while nothing is shown). */
  error: unknown;
  reload: () => void;
  /** Replaces what is shown with what the server answered (e.g. to a cancel). */
  accept: (run: Partial<RunDetail>) => void;
}

export function useRun(id: number): RunTracker {
  const [run, setRun] = useState<RunDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const seq = useRef(0);

  const load = useCallback(() => {
    const mine = ++seq.current;
    testingApi.run(id).then(
      (fresh) => {
        if (mine !== seq.current) return;
        setRun(fresh);
        setError(null);
      },
      (err: unknown) => {
        if (mine === seq.current) setError(err);
      },
    );
  }, [id]);

  useEffect(load, [load]);

  const finished = run ? isFinished(run.status) : false;
  const queued = run?.status === 'queued';
  useEffect(() => {
    if (finished) return;
    const timer = window.setInterval(load, POLL_MS);
    return () => window.clearInterval(timer);
  }, [finished, load]);

  const onEvent = useCallback(
    (event: TestingEvent) => {
      const runId = runIdOf(event);
      if (runId !== id) {
        // Another run started or ended: our place in the queue may have moved.
        if (queued && (event.type === 'run.started' || event.type === 'run.finished')) load();
        return;
      }
      if (event.type === 'run.step') {
        const data = event.data as { type?: string; step?: StepResult } & Partial<CurrentStep>;
        if (data.type === 'step_finished' && data.step) {
          const step = data.step;
          setRun((r) => (r ? mergeStep(r, step) : r));
        } else if (data.type === 'step_started' && typeof data.index === 'number') {
          const current: CurrentStep = {
            index: data.index,
            path: data.path ?? '',
            label: data.label ?? '',
            started_at: data.started_at ?? new Date().toISOString(),
            iteration: data.iteration,
          };
          setRun((r) => (r ? { ...r, current } : r));
        } else {
          load();
        }
        return;
      }
      const carried = runOf(event);
      if (carried) setRun((r) => (r ? { ...r, ...carried, steps: r.steps, document: r.document ?? null } : r));
      // The final word (all steps, reason, duration) comes from the run itself.
      if (event.type === 'run.finished' || event.type === 'run.started' || !carried) load();
    },
    [id, queued, load],
  );
  useServerEvents(['run.'], onEvent, load);

  const accept = useCallback((next: Partial<RunDetail>) => {
    setRun((r) => (r ? { ...r, ...next, steps: next.steps ?? r.steps } : r));
    load();
  }, [load]);

  return { run, error: run ? null : error, reload: load, accept };
}
