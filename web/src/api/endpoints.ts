import { request } from './client';
import type {
  Device,
  DiscoveredHost,
  Host,
  LockGrant,
  NewReference,
  PowerAction,
  PowerState,
  PressResult,
  Reference,
  ReferencePatch,
  ReferenceUpload,
  SimFaults,
  SimState,
  SystemInfo,
  SystemStatus,
  VerifyRequest,
  VerifyResponse,
} from './types';

const enc = encodeURIComponent;

export function devicePath(host: string, id: string): string {
  return `/api/hosts/${enc(host)}/devices/${enc(id)}`;
}

export function streamUrl(host: string, id: string, params: { fps?: number; width?: number } = {}): string {
  const query = new URLSearchParams();
  if (params.fps !== undefined) query.set('fps', String(params.fps));
  if (params.width !== undefined) query.set('width', String(params.width));
  const qs = query.toString();
  return `${devicePath(host, id)}/stream.mjpeg${qs ? `?${qs}` : ''}`;
}

export function screenshotUrl(host: string, id: string, format: 'png' | 'jpeg', width?: number): string {
  const query = new URLSearchParams({ format });
  if (width !== undefined) query.set('width', String(width));
  return `${devicePath(host, id)}/screenshot?${query.toString()}`;
}

/** Header that proves we hold the device's control lock. */
function lockHeaders(lockToken: string | null): Record<string, string> {
  return lockToken ? { 'X-Vpt-Lock': lockToken } : {};
}

export const api = {
  systemInfo: (signal?: AbortSignal) => request<SystemInfo>('/api/system/info', { signal }),
  systemStatus: (signal?: AbortSignal) => request<SystemStatus>('/api/system/status', { signal }),
  hosts: (signal?: AbortSignal) => request<Host[]>('/api/hosts', { signal }),
  discoveredHosts: (signal?: AbortSignal) => request<DiscoveredHost[]>('/api/hosts/discovered', { signal }),
  devices: (signal?: AbortSignal) => request<Device[]>('/api/devices', { signal }),
  device: (host: string, id: string, signal?: AbortSignal) =>
    request<Device>(devicePath(host, id), { signal }),

  press: (host: string, id: string, key: string, lockToken: string | null) =>
    request<PressResult>(`${devicePath(host, id)}/remote/press`, {
      method: 'POST',
      body: { key },
      headers: lockHeaders(lockToken),
    }),
  sendText: (host: string, id: string, text: string, lockToken: string | null) =>
    request<unknown>(`${devicePath(host, id)}/remote/text`, {
      method: 'POST',
      body: { text },
      headers: lockHeaders(lockToken),
    }),

  power: (host: string, id: string, signal?: AbortSignal) =>
    request<{ state: PowerState }>(`${devicePath(host, id)}/power`, { signal }),
  setPower: (host: string, id: string, action: PowerAction, lockToken: string | null) =>
    request<{ state: PowerState }>(`${devicePath(host, id)}/power`, {
      method: 'POST',
      body: { action },
      headers: lockHeaders(lockToken),
    }),

  takeLock: (host: string, id: string, owner: string, leaseSecs: number, token: string | null) =>
    request<LockGrant>(`/api/devices/${enc(host)}/${enc(id)}/lock`, {
      method: 'POST',
      body: token ? { owner, lease_secs: leaseSecs, token } : { owner, lease_secs: leaseSecs },
    }),
  releaseLock: (host: string, id: string, token: string, keepalive = false) =>
    request<void>(`/api/devices/${enc(host)}/${enc(id)}/lock`, {
      method: 'DELETE',
      headers: lockHeaders(token),
      keepalive,
    }),

  sim: (host: string, id: string, signal?: AbortSignal) => request<SimState>(`${devicePath(host, id)}/sim`, { signal }),
  /** Replaces all of the sim's faults (omitted ones are cleared). */
  setSimFaults: (host: string, id: string, faults: SimFaults, lockToken: string | null) =>
    request<SimState>(`${devicePath(host, id)}/sim`, {
      method: 'POST',
      body: { faults },
      headers: lockHeaders(lockToken),
    }),

  references: (signal?: AbortSignal) => request<Reference[]>('/api/references', { signal }),
  createReference: (body: NewReference) => request<Reference>('/api/references', { method: 'POST', body }),
  uploadReference: (params: ReferenceUpload, png: Blob) => {
    const query = new URLSearchParams({ name: params.name, userinterface: params.userinterface, kind: 'image' });
    return request<Reference>(`/api/references/upload?${query.toString()}`, {
      method: 'POST',
      rawBody: { data: png, contentType: 'image/png' },
    });
  },
  updateReference: (id: number, patch: ReferencePatch) =>
    request<Reference>(`/api/references/${id}`, { method: 'PUT', body: patch }),
  deleteReference: (id: number) => request<void>(`/api/references/${id}`, { method: 'DELETE' }),

  verify: (host: string, id: string, body: VerifyRequest) =>
    request<VerifyResponse>(`${devicePath(host, id)}/verify`, { method: 'POST', body }),
};
