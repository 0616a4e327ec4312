import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../api/client';
import { api } from '../api/endpoints';
import type { Reference } from '../api/types';

export interface ReferenceList {
  /** null until the first load answered. */
  data: Reference[] | null;
  error: string | null;
  reload: () => void;
  /** Adds a new reference, or replaces the one with the same id. */
  put: (reference: Reference) => void;
  remove: (id: number) => void;
}

function byUserinterfaceThenName(a: Reference, b: Reference): number {
  return a.userinterface.localeCompare(b.userinterface) || a.name.localeCompare(b.name, undefined, { numeric: true });
}

/** Every stored reference (filtering by userinterface happens on the page, which lists them all). */
export function useReferences(): ReferenceList {
  const [data, setData] = useState<Reference[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    api.references(controller.signal).then(
      (list) => setData([...list].sort(byUserinterfaceThenName)),
      (err: unknown) => {
        if (!controller.signal.aborted) setError(errorMessage(err));
      },
    );
    return () => controller.abort();
  }, [attempt]);

  const reload = useCallback(() => {
    setData(null);
    setError(null);
    setAttempt((n) => n + 1);
  }, []);

  const put = useCallback((reference: Reference) => {
    setData((list) => [...(list ?? []).filter((r) => r.id !== reference.id), reference].sort(byUserinterfaceThenName));
  }, []);

  const remove = useCallback((id: number) => {
    setData((list) => (list ? list.filter((r) => r.id !== id) : list));
  }, []);

  return { data, error, reload, put, remove };
}
