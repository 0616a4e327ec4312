// Shapes of the vpt HTTP API (docs/api.md).

export type HostStatus = 'online' | 'offline';
export type DeviceStatus = 'ok' | 'no_signal' | 'error' | 'offline';
export type PowerState = 'on' | 'off' | 'unknown';
export type PowerAction = 'on' | 'off' | 'cycle';

export interface HostStats {
  cpu_percent: number | null;
  mem_used_bytes: number | null;
  mem_total_bytes: number | null;
  disk_used_bytes: number | null;
  disk_total_bytes: number | null;
  temperature_c: number | null;
  load_avg_1m: number | null;
}

export interface CaptureInfo {
  kind: string;
  width: number | null;
  height: number | null;
  fps_target: number | null;
  fps_measured: number | null;
  frames_total: number | null;
  frames_dropped: number | null;
  last_frame_age_ms: number | null;
  error: string | null;
}

export interface RemoteInfo {
  kind: string;
  keys: string[];
}

export interface PowerInfo {
  kind: string;
  state: PowerState;
}

export interface LockInfo {
  owner: string;
  expires_at: string;
}

export interface Device {
  id: string;
  name: string;
  model: string;
  host: string;
  status: DeviceStatus;
  capabilities: string[];
  capture: CaptureInfo | null;
  remote: RemoteInfo | null;
  power: PowerInfo | null;
  lock: LockInfo | null;
}

export interface Host {
  id: string;
  name: string;
  version: string;
  status: HostStatus;
  address: string | null;
  first_seen: string | null;
  connected_at: string | null;
  last_seen: string | null;
  uptime_secs: number | null;
  stats: HostStats | null;
  devices: Device[];
}

export interface SystemInfo {
  version: string;
  build: string;
  protocol_version: number | string;
  started_at: string;
  uptime_secs: number;
  data_dir: string;
  db_path: string;
  db_size_bytes: number;
  mdns_enabled: boolean;
}

export interface SystemStatus {
  hosts_online: number;
  hosts_offline: number;
  devices: number;
  db_ok: boolean;
}

export interface DiscoveredHost {
  name: string;
  addresses: string[];
  port: number;
  version: string | null;
  role: string | null;
}

export interface LockGrant {
  owner: string;
  token: string;
  expires_at: string;
}

export interface PressResult {
  ok: boolean;
  key: string;
  ms: number;
}

export type ServerEvent =
  | { type: 'hello'; at: string; data: { version: string } }
  | { type: 'host.online' | 'host.offline' | 'host.heartbeat'; at: string; data: Host }
  | {
      type: 'device.lock';
      at: string;
      data: { host: string; device: string; lock: LockInfo | null };
    };
