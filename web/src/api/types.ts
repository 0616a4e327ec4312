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

/** Faults a simulated device (capability `sim`) plays on purpose. All off by default. */
export interface SimFaults {
  /** The picture stops changing; keys still change the screen behind it. */
  freeze: boolean;
  /** The picture is black while the device still sends a signal. */
  black: boolean;
  /** Capture gets no picture. */
  no_signal: boolean;
  /** 0–1: the share of key presses that are lost. */
  drop_key_probability: number;
  /** 0–60000: how late a screen change shows. */
  transition_delay_ms: number;
}

/** A simulated device's ground truth (the fields the UI reads). */
export interface SimState {
  powered: boolean;
  screen: string;
  faults: SimFaults;
  keys_received: number;
  keys_dropped: number;
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

/** A rectangle in a frame's own pixels (e.g. of a 1280×720 frame). */
export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type ReferenceKind = 'image' | 'text';

export interface Reference {
  id: number;
  name: string;
  userinterface: string;
  model: string | null;
  kind: ReferenceKind;
  area: Area | null;
  source_width: number | null;
  source_height: number | null;
  /** For text references, the expected text (`a|b` alternatives allowed). */
  text: string | null;
  lang: string | null;
  image_url: string;
  created_at: string;
  updated_at: string;
}

export interface NewReference {
  name: string;
  userinterface: string;
  kind: ReferenceKind;
  area: Area;
  source: { host: string; device: string };
  model?: string;
  text?: string;
  lang?: string;
}

export interface ReferenceUpload {
  name: string;
  userinterface: string;
}

export interface ReferencePatch {
  name?: string;
  text?: string;
  lang?: string;
  area?: Area;
}

export type VerificationMode = 'present' | 'absent' | 'appear_then_disappear';

interface VerificationCommon {
  mode?: VerificationMode;
  timeout_ms?: number;
  region?: Area | null;
  consecutive?: number;
}

export type Verification =
  | (VerificationCommon & {
      kind: 'image';
      reference_id?: number;
      reference?: string;
      userinterface?: string;
      threshold?: number;
    })
  | (VerificationCommon & { kind: 'text'; expect: string; lang?: string })
  | (VerificationCommon & { kind: 'black'; threshold?: number })
  | (VerificationCommon & { kind: 'motion' })
  | (VerificationCommon & { kind: 'freeze'; duration_ms?: number });

export type VerificationKind = Verification['kind'];

export interface VerifyRequest {
  pass?: 'all' | 'any';
  verifications: Verification[];
}

export interface VerificationResult {
  kind: VerificationKind | string;
  name?: string | null;
  passed: boolean;
  matched?: boolean | null;
  score?: number | null;
  region?: Area | null;
  ms?: number | null;
  waited_ms?: number | null;
  frames_checked?: number | null;
  frame_seq?: number | null;
  /** What OCR read, for text verifications. */
  text?: string | null;
  detail?: string | null;
  annotated_url?: string | null;
}

export interface VerifyResponse {
  passed: boolean;
  ms: number;
  results: VerificationResult[];
}
