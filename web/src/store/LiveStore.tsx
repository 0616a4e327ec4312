import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef } from 'react';
import type { ReactNode } from 'react';
import { errorMessage } from '../api/client';
import { api } from '../api/endpoints';
import { EventSocket } from '../api/events';
import type { Device, LockInfo, ServerEvent } from '../api/types';
import { deviceKey, initialLiveState, liveReducer } from './liveState';
import type { LiveAction, LiveState, Resource } from './liveState';

interface LiveStoreValue {
  state: LiveState;
  /** Reloads every snapshot (after a reconnect, or from a "Try again" button). */
  refresh: () => void;
  /** Stores a device fetched on its own so pages share one view of it. */
  putDevice: (host: string, device: Device) => void;
  /** Records a lock change we made ourselves, without waiting for its `device.lock` event. */
  putLock: (host: string, device: string, lock: LockInfo | null) => void;
  /** Hears every event from `/api/events` (including types the store does not keep). */
  subscribe: (listener: EventListener) => () => void;
}

export type EventListener = (event: ServerEvent) => void;

const LiveStoreContext = createContext<LiveStoreValue | null>(null);

const INFO_REFRESH_MS = 30_000;
const DISCOVERED_REFRESH_MS = 15_000;
/** While the event socket is down but the API answers, poll so pages stay roughly current. */
const FALLBACK_POLL_MS = 10_000;

function load<T>(
  dispatch: (action: LiveAction) => void,
  resource: Resource,
  fetcher: () => Promise<T>,
  onData: (data: T, at: number) => LiveAction,
): Promise<void> {
  return fetcher().then(
    (data) => dispatch(onData(data, Date.now())),
    (err: unknown) => dispatch({ type: 'loadFailed', resource, error: errorMessage(err) }),
  );
}

export function LiveStoreProvider({ children }: { children: ReactNode }) {
  const [state, dispatch] = useReducer(liveReducer, initialLiveState);
  const connectedRef = useRef(false);
  const listenersRef = useRef(new Set<EventListener>());

  const loadHostsAndDevices = useCallback(() => {
    void load(dispatch, 'hosts', () => api.hosts(), (hosts, at) => ({ type: 'hostsLoaded', hosts, at }));
    void load(dispatch, 'devices', () => api.devices(), (devices, at) => ({ type: 'devicesLoaded', devices, at }));
  }, []);

  const loadSystem = useCallback(() => {
    void load(dispatch, 'info', () => api.systemInfo(), (info, at) => ({ type: 'infoLoaded', info, at }));
    void load(dispatch, 'status', () => api.systemStatus(), (status, at) => ({ type: 'statusLoaded', status, at }));
  }, []);

  const loadDiscovered = useCallback(() => {
    void load(dispatch, 'discovered', () => api.discoveredHosts(), (discovered, at) => ({
      type: 'discoveredLoaded',
      discovered,
      at,
    }));
  }, []);

  const refresh = useCallback(() => {
    loadHostsAndDevices();
    loadSystem();
    loadDiscovered();
  }, [loadHostsAndDevices, loadSystem, loadDiscovered]);

  useEffect(() => {
    let opened = false;
    const socket = new EventSocket({
      onEvent: (event) => {
        dispatch({ type: 'event', event, at: Date.now() });
        listenersRef.current.forEach((listener) => listener(event));
      },
      onOpen: () => {
        // The first load already ran at mount; after a reconnect, events may have been missed.
        if (opened) refresh();
        opened = true;
      },
      onStatus: (status) => {
        connectedRef.current = status.state === 'connected';
        dispatch({ type: 'connection', status });
      },
    });
    // Load right away rather than waiting for the socket, so the first paint has data sooner.
    refresh();
    socket.start();
    const timers = [
      window.setInterval(loadSystem, INFO_REFRESH_MS),
      window.setInterval(loadDiscovered, DISCOVERED_REFRESH_MS),
      window.setInterval(() => {
        if (!connectedRef.current) loadHostsAndDevices();
      }, FALLBACK_POLL_MS),
    ];
    return () => {
      socket.stop();
      timers.forEach((t) => window.clearInterval(t));
    };
  }, [refresh, loadSystem, loadDiscovered, loadHostsAndDevices]);

  const putDevice = useCallback(
    (host: string, device: Device) => dispatch({ type: 'deviceFetched', host, device }),
    [],
  );

  const putLock = useCallback(
    (host: string, device: string, lock: LockInfo | null) =>
      dispatch({
        type: 'event',
        event: { type: 'device.lock', at: new Date().toISOString(), data: { host, device, lock } },
        at: Date.now(),
      }),
    [],
  );

  const subscribe = useCallback((listener: EventListener) => {
    listenersRef.current.add(listener);
    return () => {
      listenersRef.current.delete(listener);
    };
  }, []);

  const value = useMemo(
    () => ({ state, refresh, putDevice, putLock, subscribe }),
    [state, refresh, putDevice, putLock, subscribe],
  );
  return <LiveStoreContext.Provider value={value}>{children}</LiveStoreContext.Provider>;
}

export function useLiveStore(): LiveStoreValue {
  const value = useContext(LiveStoreContext);
  if (!value) throw new Error('useLiveStore must be used inside <LiveStoreProvider>');
  return value;
}

export function useLiveDevice(host: string, id: string): Device | null {
  const { state } = useLiveStore();
  return state.devices.data?.[deviceKey(host, id)] ?? null;
}
