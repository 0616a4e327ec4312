import type { Incident } from '../api/monitoring';
import type { DeviceStatus, HostStatus } from '../api/types';
import { kindTitle } from '../lib/incidents';

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

/**
 * The device's state: an active incident (black screen, frozen picture, no signal) outranks an
 * "OK" from the capture, which only knows that frames arrive.
 */
export function DeviceStatusBadge({ status, incident = null }: { status: DeviceStatus; incident?: Incident | null }) {
  if (incident && status !== 'offline') {
    return (
      <span className="badge badge-bad" data-testid="device-status" data-state={incident.kind}>
        <span className="badge-dot" aria-hidden="true" />
        {kindTitle(incident.kind)}
      </span>
    );
  }
  const tone = DEVICE_TONES[status] ?? 'muted';
  return (
    <span className={`badge badge-${tone}`} data-testid="device-status" data-state={status}>
      {DEVICE_LABELS[status] ?? status}
    </span>
  );
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
