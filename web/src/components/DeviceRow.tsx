import type { Device } from '../api/types';
import { capabilityLabel } from '../lib/format';
import { Link } from '../lib/router';
import { DeviceStatusBadge } from './StatusBadge';

/**
 * Ids may contain dots, and the server answers 404 instead of the app for a path whose last
 * segment looks like a file name; an encoded dot keeps deep links working.
 */
function pathSegment(value: string): string {
  return encodeURIComponent(value).replace(/\./g, '%2E');
}

export function deviceHref(device: Pick<Device, 'host' | 'id'>): string {
  return `/devices/${pathSegment(device.host)}/${pathSegment(device.id)}`;
}

export function CapabilityChips({ capabilities }: { capabilities: string[] }) {
  if (capabilities.length === 0) return null;
  return (
    <span className="chips">
      {capabilities.map((c) => (
        <span key={c} className="chip">
          {capabilityLabel(c)}
        </span>
      ))}
    </span>
  );
}

export function DeviceRow({ device }: { device: Device }) {
  return (
    <li>
      <Link to={deviceHref(device)} className="device-row">
        <span className="device-row-main">
          <span className="device-row-name">{device.name}</span>
          <span className="device-row-meta">
            <span>
              {device.model} · {device.id}
            </span>
            <CapabilityChips capabilities={device.capabilities} />
          </span>
        </span>
        <DeviceStatusBadge status={device.status} />
      </Link>
    </li>
  );
}
