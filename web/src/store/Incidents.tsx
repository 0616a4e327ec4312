// The incidents open right now, for every page: the sidebar count, the device wall's red
// borders, the device view's banner, and a toast when one opens or closes.

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import { incidentHref, incidentOf, isIncidentEvent, monitoringApi } from '../api/monitoring';
import type { Incident, IncidentEventType } from '../api/monitoring';
import { useToast } from '../components/Toasts';
import { useLatest } from '../hooks/useLatest';
import { deviceLabel, kindTitle } from '../lib/incidents';
import { deviceKey } from './liveState';
import { useLiveStore } from './LiveStore';

interface IncidentsValue {
  /** Active incidents, newest first; null until the first answer. */
  active: Incident[] | null;
  /** The newest active incident of a device, if it has one. */
  activeFor: (host: string, device: string) => Incident | null;
  /** Records an incident we changed ourselves (ack, false positive) without waiting for its event. */
  accept: (incident: Incident) => void;
}

const IncidentsContext = createContext<IncidentsValue | null>(null);

const ACTIVE_LIMIT = 500;
/** While the event socket is down, the list is polled instead. */
const FALLBACK_POLL_MS = 15_000;

const newestFirst = (a: Incident, b: Incident) => Date.parse(b.started_at) - Date.parse(a.started_at) || b.id - a.id;

function upsert(list: Incident[], incident: Incident): Incident[] {
  const rest = list.filter((i) => i.id !== incident.id);
  return incident.status === 'active' ? [...rest, incident].sort(newestFirst) : rest;
}

export function IncidentsProvider({ children }: { children: ReactNode }) {
  const { subscribe, state } = useLiveStore();
  const toast = useToast();
  const [active, setActive] = useState<Incident[] | null>(null);
  const seq = useRef(0);

  const load = useCallback(() => {
    const mine = ++seq.current;
    monitoringApi.incidents({ status: 'active', limit: ACTIVE_LIMIT }).then(
      (page) => {
        if (mine === seq.current) setActive([...page.incidents].sort(newestFirst));
      },
      (err: unknown) => {
        // A server without monitoring has no incidents to show; anything else keeps what we had.
        if (mine === seq.current && err instanceof ApiError && err.status === 404) setActive([]);
      },
    );
  }, []);

  const connected = state.connection.state === 'connected';
  // Loaded at mount, and again whenever the socket comes back (events may have been missed).
  const activeRef = useLatest(active);
  useEffect(() => {
    if (connected || activeRef.current === null) load();
    if (connected) return undefined;
    const timer = window.setInterval(load, FALLBACK_POLL_MS);
    return () => window.clearInterval(timer);
  }, [connected, load, activeRef]);

  useEffect(
    () =>
      subscribe((event) => {
        if (!isIncidentEvent(event)) return;
        const incident = incidentOf(event as { data?: unknown });
        if (!incident) return;
        const type = event.type as IncidentEventType;
        setActive((list) => upsert(list ?? [], incident));
        if (type === 'incident.opened') {
          toast.show(`${kindTitle(incident.kind)} on ${deviceLabel(incident)}`, 'incident', {
            to: incidentHref(incident.id),
            subject: `incident-${incident.id}`,
          });
        } else if (type === 'incident.resolved') {
          toast.show(`${kindTitle(incident.kind)} on ${deviceLabel(incident)} is over`, 'resolved', {
            to: incidentHref(incident.id),
            subject: `incident-${incident.id}`,
          });
        }
      }),
    [subscribe, toast],
  );

  const accept = useCallback((incident: Incident) => setActive((list) => (list ? upsert(list, incident) : list)), []);

  const byDevice = useMemo(() => {
    const map = new Map<string, Incident>();
    // Newest first, so the first one seen for a device is its newest.
    for (const incident of active ?? []) {
      const key = deviceKey(incident.host, incident.device);
      if (!map.has(key)) map.set(key, incident);
    }
    return map;
  }, [active]);

  const activeFor = useCallback((host: string, device: string) => byDevice.get(deviceKey(host, device)) ?? null, [byDevice]);

  const value = useMemo(() => ({ active, activeFor, accept }), [active, activeFor, accept]);
  return <IncidentsContext.Provider value={value}>{children}</IncidentsContext.Provider>;
}

export function useIncidents(): IncidentsValue {
  const value = useContext(IncidentsContext);
  if (!value) throw new Error('useIncidents must be used inside <IncidentsProvider>');
  return value;
}
