// Pure state of the live store: snapshots from the REST API, patched by server events.

import type { ConnectionStatus } from '../api/events';
import type {
  Device,
  DiscoveredHost,
  Host,
  LockInfo,
  ServerEvent,
  SystemInfo,
  SystemStatus,
} from '../api/types';

export interface Loadable<T> {
  data: T | null;
  error: string | null;
  /** Epoch ms of the last successful load (used to tick uptimes forward locally). */
  loadedAt: number | null;
}

export interface LiveState {
  connection: ConnectionStatus;
  hosts: Loadable<Record<string, Host>>;
  devices: Loadable<Record<string, Device>>;
  info: Loadable<SystemInfo>;
  status: Loadable<SystemStatus>;
  discovered: Loadable<DiscoveredHost[]>;
  /** Epoch ms each host object was last received, so its uptime can tick between heartbeats. */
  hostReceivedAt: Record<string, number>;
}

export type Resource = 'hosts' | 'devices' | 'info' | 'status' | 'discovered';

export type LiveAction =
  | { type: 'connection'; status: ConnectionStatus }
  | { type: 'hostsLoaded'; hosts: Host[]; at: number }
  | { type: 'devicesLoaded'; devices: Device[]; at: number }
  | { type: 'infoLoaded'; info: SystemInfo; at: number }
  | { type: 'statusLoaded'; status: SystemStatus; at: number }
  | { type: 'discoveredLoaded'; discovered: DiscoveredHost[]; at: number }
  | { type: 'loadFailed'; resource: Resource; error: string }
  | { type: 'deviceFetched'; host: string; device: Device }
  | { type: 'event'; event: ServerEvent; at: number };

const empty = <T,>(): Loadable<T> => ({ data: null, error: null, loadedAt: null });

export const initialLiveState: LiveState = {
  connection: { state: 'connecting', retryAt: null },
  hosts: empty(),
  devices: empty(),
  info: empty(),
  status: empty(),
  discovered: empty(),
  hostReceivedAt: {},
};

export function deviceKey(host: string, id: string): string {
  return `${host}/${id}`;
}

function loaded<T>(data: T, at: number): Loadable<T> {
  return { data, error: null, loadedAt: at };
}

/**
 * Fills fields a device object may leave out (a host's own view of a device knows nothing of
 * server-side locks, for one), so components can rely on the documented shape.
 */
export function normalizeDevice(device: Device, host: string, previous?: Device): Device {
  return {
    ...device,
    host: device.host || host,
    name: device.name || device.id,
    model: device.model ?? '',
    capabilities: device.capabilities ?? [],
    capture: device.capture ?? null,
    remote: device.remote ?? null,
    power: device.power ?? null,
    lock: 'lock' in device ? (device.lock ?? null) : (previous?.lock ?? null),
  };
}

function normalizeHost(host: Host): Host {
  return { ...host, devices: (host.devices ?? []).map((d) => normalizeDevice(d, host.id)) };
}

function indexDevices(devices: Device[]): Record<string, Device> {
  const out: Record<string, Device> = {};
  for (const raw of devices) {
    const device = normalizeDevice(raw, raw.host);
    out[deviceKey(device.host, device.id)] = device;
  }
  return out;
}

/** Replaces one host's devices with what a host event carries. */
function mergeHostDevices(devices: Record<string, Device>, host: Host): Record<string, Device> {
  const next: Record<string, Device> = {};
  const hostDevices = host.devices;
  for (const [key, device] of Object.entries(devices)) {
    if (device.host !== host.id) {
      next[key] = device;
    } else if (hostDevices.length === 0 && host.status === 'offline') {
      // An offline host may report no devices; keep showing the ones we know, as offline.
      next[key] = { ...device, status: 'offline' };
    }
  }
  for (const device of hostDevices) {
    next[deviceKey(device.host, device.id)] = host.status === 'offline' ? { ...device, status: 'offline' } : device;
  }
  return next;
}

function applyLock(state: LiveState, host: string, device: string, lock: LockInfo | null): LiveState {
  const key = deviceKey(host, device);
  let devices = state.devices;
  const known = devices.data?.[key];
  if (devices.data && known) {
    devices = { ...devices, data: { ...devices.data, [key]: { ...known, lock } } };
  }
  let hosts = state.hosts;
  const owner = hosts.data?.[host];
  if (hosts.data && owner) {
    const patched = owner.devices.map((d) => (d.id === device ? { ...d, lock } : d));
    hosts = { ...hosts, data: { ...hosts.data, [host]: { ...owner, devices: patched } } };
  }
  return { ...state, devices, hosts };
}

function applyEvent(state: LiveState, event: ServerEvent, at: number): LiveState {
  switch (event.type) {
    case 'host.online':
    case 'host.offline':
    case 'host.heartbeat': {
      if (!event.data || typeof event.data.id !== 'string') return state;
      const host = normalizeHost(event.data);
      const hosts = { ...state.hosts, data: { ...(state.hosts.data ?? {}), [host.id]: host } };
      const devices = state.devices.data
        ? { ...state.devices, data: mergeHostDevices(state.devices.data, host) }
        : state.devices;
      return { ...state, hosts, devices, hostReceivedAt: { ...state.hostReceivedAt, [host.id]: at } };
    }
    case 'device.lock':
      return applyLock(state, event.data.host, event.data.device, event.data.lock);
    default:
      return state;
  }
}

export function liveReducer(state: LiveState, action: LiveAction): LiveState {
  switch (action.type) {
    case 'connection':
      return { ...state, connection: action.status };
    case 'hostsLoaded': {
      const hosts: Record<string, Host> = {};
      const hostReceivedAt: Record<string, number> = {};
      for (const raw of action.hosts) {
        const host = normalizeHost(raw);
        hosts[host.id] = host;
        hostReceivedAt[host.id] = action.at;
      }
      return { ...state, hosts: loaded(hosts, action.at), hostReceivedAt };
    }
    case 'devicesLoaded':
      return { ...state, devices: loaded(indexDevices(action.devices), action.at) };
    case 'infoLoaded':
      return { ...state, info: loaded(action.info, action.at) };
    case 'statusLoaded':
      return { ...state, status: loaded(action.status, action.at) };
    case 'discoveredLoaded':
      return { ...state, discovered: loaded(action.discovered, action.at) };
    case 'loadFailed': {
      const current = state[action.resource];
      return { ...state, [action.resource]: { ...current, error: action.error } };
    }
    case 'deviceFetched': {
      const key = deviceKey(action.host, action.device.id);
      const device = normalizeDevice(action.device, action.host, state.devices.data?.[key]);
      const data = { ...(state.devices.data ?? {}), [deviceKey(device.host, device.id)]: device };
      return { ...state, devices: { ...state.devices, data } };
    }
    case 'event':
      return applyEvent(state, action.event, action.at);
  }
}

const byName = (a: { name: string }, b: { name: string }) =>
  a.name.localeCompare(b.name, undefined, { numeric: true });

export function sortedHosts(state: LiveState): Host[] | null {
  return state.hosts.data ? Object.values(state.hosts.data).sort(byName) : null;
}

export function sortedDevices(state: LiveState): Device[] | null {
  if (!state.devices.data) return null;
  return Object.values(state.devices.data).sort(
    (a, b) => a.host.localeCompare(b.host) || byName(a, b) || a.id.localeCompare(b.id),
  );
}

/** Host counts from the live host list when we have it (it moves with events), else the snapshot. */
export function hostCounts(state: LiveState): { online: number; offline: number; devices: number } | null {
  const hosts = state.hosts.data;
  if (hosts) {
    const list = Object.values(hosts);
    const online = list.filter((h) => h.status === 'online').length;
    const devices = state.devices.data
      ? Object.keys(state.devices.data).length
      : list.reduce((n, h) => n + (h.devices?.length ?? 0), 0);
    return { online, offline: list.length - online, devices };
  }
  const status = state.status.data;
  return status ? { online: status.hosts_online, offline: status.hosts_offline, devices: status.devices } : null;
}
