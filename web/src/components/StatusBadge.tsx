import type { DeviceStatus, HostStatus } from '../api/types';

const DEVICE_LABELS: Record<DeviceStatus, string> = {
  ok: 'OK',
  no_signal: 'No signal',
  error: 'Error',
  offline: 'Offline',
};

const DEVICE_TONES: Record<DeviceStatus, string> = {
  ok: 'good',
  no_signal: 'warn',
  error: 'bad',
  offline: 'muted',
};

export function DeviceStatusBadge({ status }: { status: DeviceStatus }) {
  const tone = DEVICE_TONES[status] ?? 'muted';
  return <span className={`badge badge-${tone}`}>{DEVICE_LABELS[status] ?? status}</span>;
}

export function HostStatusBadge({ status }: { status: HostStatus }) {
  const online = status === 'online';
  return (
    <span className={`badge badge-${online ? 'good' : 'muted'}`}>
      <span className="badge-dot" aria-hidden="true" />
      {online ? 'Online' : 'Offline'}
    </span>
  );
}
