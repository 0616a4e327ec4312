import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/client';
import { useLatest } from './useLatest';

export interface Loaded<T> {
  /** null until the first answer. */
  data: T | null;
  error: string | null;
  /** The last answer failed but an older one is still shown. */
  stale: boolean;
  /** Fetches again, keeping what is shown until the answer arrives. */
  reload: () => void;
  set: (update: (data: T | null) => T | null) => void;
}

/**
 * Fetches `load` now and whenever `deps` change; `reload` fetches again quietly (for events).
 * A slower earlier answer never overwrites a newer one.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const loadRef = useLatest(load);
  const seq = useRef(0);

  useEffect(() => {
    const controller = new AbortController();
    const mine = ++seq.current;
    loadRef.current(controller.signal).then(
      (answer) => {
        if (mine !== seq.current) return;
        setData(answer);
        setError(null);
      },
      (err: unknown) => {
        if (controller.signal.aborted || mine !== seq.current) return;
        setError(errorMessage(err));
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- like useEffect's own, the caller's `deps` say when to load again
  }, [...deps, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const set = useCallback((update: (data: T | null) => T | null) => setData(update), []);
  return { data, error, stale: data !== null && error !== null, reload, set };
}
