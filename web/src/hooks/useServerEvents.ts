import { useEffect, useRef } from 'react';
import type { TestingEvent } from '../api/testing';
import { useLiveStore } from '../store/LiveStore';
import { useLatest } from './useLatest';

/**
 * Calls `handler` for each `/api/events` message whose type starts with one of `prefixes`
 * (e.g. `run.`, `testcase.`), and `onReconnect` after the socket came back (events may have
 * been missed meanwhile).
 */
export function useServerEvents(prefixes: string[], handler: (event: TestingEvent) => void, onReconnect?: () => void): void {
  const { subscribe, state } = useLiveStore();
  const handlerRef = useLatest(handler);
  const key = prefixes.join(',');

  useEffect(
    () =>
      subscribe((raw) => {
        const event = raw as unknown as TestingEvent;
        if (typeof event.type !== 'string') return;
        if (key.split(',').some((p) => event.type.startsWith(p))) handlerRef.current(event);
      }),
    [subscribe, key, handlerRef],
  );

  const connected = state.connection.state === 'connected';
  // The first connection after the page opened is not a reconnection.
  const wasConnected = useRef(connected || state.connection.state === 'connecting');
  const reconnectRef = useLatest(onReconnect);
  useEffect(() => {
    if (connected && !wasConnected.current) reconnectRef.current?.();
    wasConnected.current = connected;
  }, [connected, reconnectRef]);
}
