// Follows one navigation job live: `nav.*` events as they come, polling as the safety net.

import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/client';
import { navApi } from '../api/nav';
import type { JobStep, NavJob } from '../api/nav';
import { useLiveStore } from '../store/LiveStore';
import { useLatest } from './useLatest';

const POLL_MS = 1000;

interface NavEvent {
  type: string;
  data: { job?: NavJob; job_id?: number; step?: JobStep };
}

function mergeStep(job: NavJob, step: JobStep): NavJob {
  const steps = job.steps.filter((s) => s.index !== step.index);
  steps.push(step);
  steps.sort((a, b) => a.index - b.index);
  const position = step.status === 'passed' || step.status === 'retried' ? (step.to ?? job.position) : job.position;
  return { ...job, steps, position };
}

export interface JobTracker {
  job: NavJob | null;
  error: string | null;
  running: boolean;
  /** Starts following a job the server just accepted. */
  follow: (job: NavJob) => void;
  cancel: () => Promise<void>;
  clear: () => void;
}

export function useNavJob(onFinished?: (job: NavJob) => void): JobTracker {
  const { subscribe } = useLiveStore();
  const [job, setJob] = useState<NavJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  const jobId = job?.id ?? null;
  const running = job?.status === 'running';
  const finishedRef = useLatest(onFinished);
  const reported = useRef<number | null>(null);

  const accept = useCallback((next: NavJob) => {
    setJob((prev) => {
      if (prev && prev.id !== next.id) return prev;
      // `nav.started`/`nav.finished` carry the job without its steps: keep the ones we have.
      if (prev && next.steps.length < prev.steps.length) return { ...next, steps: prev.steps };
      return next;
    });
  }, []);

  useEffect(() => {
    if (jobId === null) return;
    return subscribe((raw) => {
      const event = raw as unknown as NavEvent;
      if (!event.type.startsWith('nav.')) return;
      if ((event.type === 'nav.started' || event.type === 'nav.finished') && event.data.job?.id === jobId) {
        accept(event.data.job);
      } else if (event.type === 'nav.step' && event.data.job_id === jobId && event.data.step) {
        const step = event.data.step;
        setJob((prev) => (prev && prev.id === jobId ? mergeStep(prev, step) : prev));
      }
    });
  }, [jobId, subscribe, accept]);

  useEffect(() => {
    if (jobId === null || !running) return;
    const controller = new AbortController();
    const timer = window.setInterval(() => {
      navApi.job(jobId, controller.signal).then(accept, (err: unknown) => {
        if (!controller.signal.aborted) setError(errorMessage(err));
      });
    }, POLL_MS);
    return () => {
      controller.abort();
      window.clearInterval(timer);
    };
  }, [jobId, running, accept]);

  useEffect(() => {
    if (job && job.status !== 'running' && reported.current !== job.id) {
      reported.current = job.id;
      finishedRef.current?.(job);
      // One last read: the whole job, in case a step event was missed.
      navApi.job(job.id).then(accept, () => undefined);
    }
  }, [job, accept, finishedRef]);

  const follow = useCallback((next: NavJob) => {
    setError(null);
    reported.current = null;
    setJob(next);
  }, []);

  const cancel = useCallback(async () => {
    if (jobId === null) return;
    try {
      await navApi.cancelJob(jobId);
      setJob(await navApi.job(jobId));
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [jobId]);

  const clear = useCallback(() => {
    setJob(null);
    setError(null);
  }, []);

  return { job, error, running, follow, cancel, clear };
}
