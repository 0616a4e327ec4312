import { useCallback, useEffect, useState } from 'react';

type FilterValues = Record<string, string>;

export interface UrlFilters<F extends FilterValues> {
  filters: F;
  setFilters: (update: F | ((current: F) => F)) => void;
  /** Changes some filters, keeping the others. */
  set: (patch: Partial<F>) => void;
  /** Whether any filter differs from the empty ones. */
  filtered: boolean;
}

/** A query parameter of the address the page was opened with ('' when absent). */
export function urlParam(name: string): string {
  return new URLSearchParams(window.location.search).get(name) ?? '';
}

/**
 * A list page's filters, kept in the address so a filtered list can be linked and survives a
 * reload. `empty` names every filter (the parameter has the filter's name unless `paramNames`
 * renames it); empty filters stay out of the address. `extraParams` are written after the filters
 * (e.g. the page number), left out when ''.
 */
export function useUrlFilters<F extends FilterValues>(
  empty: F,
  { paramNames = {}, extraParams = {} }: { paramNames?: Partial<Record<keyof F, string>>; extraParams?: Record<string, string> } = {},
): UrlFilters<F> {
  const param = (key: keyof F) => paramNames[key] ?? String(key);
  const [filters, setFilters] = useState<F>(() => {
    const fromUrl: FilterValues = {};
    for (const key of Object.keys(empty)) fromUrl[key] = urlParam(param(key));
    return fromUrl as F;
  });

  // Replaced rather than pushed: a filter change is not a step the back button should undo.
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) query.set(param(key), value);
  for (const [key, value] of Object.entries(extraParams)) if (value) query.set(key, value);
  const qs = query.toString();
  useEffect(() => {
    window.history.replaceState(null, '', `${window.location.pathname}${qs ? `?${qs}` : ''}`);
  }, [qs]);

  const set = useCallback((patch: Partial<F>) => setFilters((f) => ({ ...f, ...patch })), []);
  const filtered = Object.keys(empty).some((key) => filters[key] !== empty[key]);
  return { filters, setFilters, set, filtered };
}
