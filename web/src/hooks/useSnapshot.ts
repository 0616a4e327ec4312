import { useEffect, useRef, useState } from 'react';
import { CSRF_HEADERS, noteAuthStatus } from '../api/client';

export interface Snapshot {
  /** An object URL of the newest picture, or null before the first one. */
  src: string | null;
  /** The last request failed (the previous picture, if any, is still shown). */
  failed: boolean;
}

const RETRY_AFTER_ERROR_MS = 5000;

/**
 * Fetches the picture at `url` now and again `everyMs` after each answer while `running`, so a
 * slow host is never asked twice at once. fetch() with `no-store` rather than a changing <img>
 * URL: the screenshot route refuses query parameters it does not know, so a cache-busting one
 * cannot be added.
 */
export function useSnapshot(url: string | null, running: boolean, everyMs: number): Snapshot {
  const [shot, setShot] = useState<Snapshot>({ src: null, failed: false });
  const shown = useRef<string | null>(null);

  useEffect(() => {
    if (!url || !running) return undefined;
    const controller = new AbortController();
    let timer: number | null = null;
    const next = async () => {
      let wait = everyMs;
      try {
        const res = await fetch(url, { cache: 'no-store', signal: controller.signal, headers: CSRF_HEADERS });
        if (!res.ok) {
          noteAuthStatus(res.status);
          throw new Error(`status ${res.status}`);
        }
        const blob = await res.blob();
        if (controller.signal.aborted) return;
        const src = URL.createObjectURL(blob);
        if (shown.current) URL.revokeObjectURL(shown.current);
        shown.current = src;
        setShot({ src, failed: false });
      } catch {
        if (controller.signal.aborted) return;
        setShot((old) => ({ ...old, failed: true }));
        wait = Math.max(everyMs, RETRY_AFTER_ERROR_MS);
      }
      timer = window.setTimeout(() => void next(), wait);
    };
    void next();
    return () => {
      controller.abort();
      if (timer !== null) window.clearTimeout(timer);
    };
  }, [url, running, everyMs]);

  // The last picture's memory is given back when the component goes.
  useEffect(
    () => () => {
      if (shown.current) URL.revokeObjectURL(shown.current);
    },
    [],
  );

  return shot;
}
