import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/client';
import { monitoringApi } from '../api/monitoring';
import type { Incident, IncidentQuery } from '../api/monitoring';
import { useLatest } from './useLatest';

export interface IncidentList {
  /** null until the first page arrived. */
  items: Incident[] | null;
  error: string | null;
  /** There are older incidents than the ones shown. */
  hasMore: boolean;
  loadingMore: boolean;
  loadMoreError: string | null;
  loadMore: () => void;
  /** Fetches the first page again (after a reconnect), keeping what is shown meanwhile. */
  reload: () => void;
  /**
   * Applies an incident from an event: replaced where shown, added when it `belongs` to this list
   * and falls within the pages loaded so far, removed when it no longer belongs.
   */
  patch: (incident: Incident, belongs: boolean) => void;
}

const newestFirst = (a: Incident, b: Incident) => Date.parse(b.started_at) - Date.parse(a.started_at) || b.id - a.id;

/** One filtered list of incidents, newest first, a page at a time ("load more"). */
export function useIncidentList(query: IncidentQuery | null, pageSize: number): IncidentList {
  const [items, setItems] = useState<Incident[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [loadMoreError, setLoadMoreError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const seq = useRef(0);
  const key = query ? JSON.stringify(query) : '';
  const queryRef = useLatest(query);

  // Each request forgets "load more" (its answer would belong to the old list); a new filter
  // starts from an empty list, while a reload keeps the old one until the answer.
  const request = `${key}\n${pageSize}\n${attempt}`;
  const [shownRequest, setShownRequest] = useState(request);
  const [shownKey, setShownKey] = useState(key);
  if (shownRequest !== request) {
    setShownRequest(request);
    setLoadingMore(false);
    setLoadMoreError(null);
    if (!query) setItems(null);
  }
  if (shownKey !== key) {
    setShownKey(key);
    setItems(null);
    setError(null);
    setNext(null);
  }

  useEffect(() => {
    const q = queryRef.current;
    const mine = ++seq.current;
    if (!q) return undefined;
    const controller = new AbortController();
    monitoringApi.incidents({ ...q, limit: pageSize }, controller.signal).then(
      (page) => {
        if (mine !== seq.current) return;
        setItems(page.incidents);
        setNext(page.next_before);
        setError(null);
      },
      (err: unknown) => {
        if (controller.signal.aborted || mine !== seq.current) return;
        setError(errorMessage(err));
      },
    );
    return () => controller.abort();
  }, [key, pageSize, attempt, queryRef]);

  const loadMore = useCallback(() => {
    const q = queryRef.current;
    if (!q || next === null) return;
    const mine = seq.current;
    setLoadingMore(true);
    setLoadMoreError(null);
    monitoringApi.incidents({ ...q, limit: pageSize, before: next }).then(
      (page) => {
        if (mine !== seq.current) return;
        setItems((list) => {
          const have = new Set((list ?? []).map((i) => i.id));
          return [...(list ?? []), ...page.incidents.filter((i) => !have.has(i.id))];
        });
        setNext(page.next_before);
        setLoadingMore(false);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        setLoadMoreError(errorMessage(err));
        setLoadingMore(false);
      },
    );
  }, [next, pageSize, queryRef]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);

  const patch = useCallback(
    (incident: Incident, belongs: boolean) => {
      setItems((list) => {
        if (!list) return list;
        const shown = list.some((i) => i.id === incident.id);
        if (shown) return belongs ? list.map((i) => (i.id === incident.id ? incident : i)) : list.filter((i) => i.id !== incident.id);
        if (!belongs) return list;
        // Older than everything loaded while more pages exist: it comes with "load more".
        const last = list.at(-1);
        if (next !== null && last && newestFirst(incident, last) > 0) return list;
        return [...list, incident].sort(newestFirst);
      });
    },
    [next],
  );

  return {
    items,
    error,
    hasMore: next !== null,
    loadingMore,
    loadMoreError,
    loadMore,
    reload,
    patch,
  };
}
