import type { Device } from '../api/types';
import { Link } from '../lib/router';
import { deviceHref } from './DeviceRow';
import { DeviceThumbnail } from './DeviceThumbnail';
import type { ThumbnailMode } from './DeviceThumbnail';
import { Icon } from './Icon';
import { DeviceStatusBadge } from './StatusBadge';

interface DeviceTileProps {
  device: Device;
  hostName: string;
  hostOnline: boolean;
  thumbnailMode: ThumbnailMode;
}

export function DeviceTile({ device, hostName, hostOnline, thumbnailMode }: DeviceTileProps) {
  const status = hostOnline ? device.status : 'offline';
  return (
    <Link
      to={deviceHref(device)}
      className={hostOnline ? 'card device-tile' : 'card device-tile is-offline'}
      data-device={`${device.host}/${device.id}`}
    >
      <DeviceThumbnail device={device} hostOnline={hostOnline} mode={thumbnailMode} />
      <div className="device-tile-body">
        <div className="device-tile-head">
          <span className="device-tile-name">{device.name}</span>
          <DeviceStatusBadge status={status} />
        </div>
        <div className="device-tile-meta">
          <span>
            <Icon name="host" size={14} /> {hostName}
          </span>
          <span>{device.model}</span>
          {device.lock ? (
            <span className="lock-note" title={`Controlled by ${device.lock.owner}`}>
              <Icon name="lock" size={14} /> {device.lock.owner}
            </span>
          ) : null}
        </div>
      </div>
    </Link>
  );
}
