import { useState } from 'react';
import { screenshotUrl } from '../../api/endpoints';
import type { Incident } from '../../api/monitoring';
import type { Device } from '../../api/types';
import { useOnScreen } from '../../hooks/usePageVisible';
import { useSnapshot } from '../../hooks/useSnapshot';
import { formatIncidentDuration, incidentDurationMs, kindIcon, kindTitle } from '../../lib/incidents';
import { Link } from '../../lib/router';
import { deviceHref } from '../DeviceRow';
import { Icon } from '../Icon';

/**
 * A snapshot per tile rather than an MJPEG stream: browsers hold only ~6 connections per
 * origin, and a wall has many more tiles than that. The next picture is asked for only once the
 * last one arrived, so a slow host is never flooded.
 */
const REFRESH_MS = 1500;
const PICTURE_WIDTH = 320;

export type WallState = 'ok' | 'incident' | 'offline' | 'no_signal' | 'error' | 'no_capture';

export function wallState(device: Device, hostOnline: boolean, incident: Incident | null): WallState {
  if (!hostOnline || device.status === 'offline') return 'offline';
  if (incident) return 'incident';
  if (!device.capabilities.includes('capture') && !device.capture) return 'no_capture';
  if (device.status === 'no_signal') return 'no_signal';
  if (device.status === 'error') return 'error';
  return 'ok';
}

const STATE_LABELS: Record<WallState, string> = {
  ok: 'OK',
  incident: 'Incident',
  offline: 'Offline',
  no_signal: 'No signal',
  error: 'Capture error',
  no_capture: 'No capture',
};

function Snapshot({ device, running }: { device: Device; running: boolean }) {
  const shot = useSnapshot(screenshotUrl(device.host, device.id, 'jpeg', PICTURE_WIDTH), running, REFRESH_MS);
  return (
    <>
      {shot.src ? (
        <img className="thumb-img" src={shot.src} alt={`Live picture of ${device.name}`} decoding="async" />
      ) : shot.failed ? (
        <div className="thumb-placeholder thumb-muted">
          <Icon name="alert" size={22} />
          <span className="thumb-title">Picture unavailable</span>
        </div>
      ) : (
        <div className="thumb-loading" aria-hidden="true" />
      )}
    </>
  );
}

interface WallTileProps {
  device: Device;
  hostOnline: boolean;
  incident: Incident | null;
  /** False while the tab is hidden: pictures stop refreshing. */
  pageVisible: boolean;
  now: number;
}

export function WallTile({ device, hostOnline, incident, pageVisible, now }: WallTileProps) {
  const [element, setElement] = useState<HTMLDivElement | null>(null);
  const onScreen = useOnScreen(element);
  const state = wallState(device, hostOnline, incident);
  // Without a signal there is no picture to show: the last one would look live.
  const noSignal = device.status === 'no_signal' || incident?.kind === 'no_signal';
  const showsPicture = !noSignal && (state === 'ok' || state === 'incident' || state === 'error');

  let overlay = null;
  if (state === 'offline') {
    overlay = (
      <div className="thumb-placeholder thumb-offline">
        <Icon name="offline" size={22} />
        <span className="thumb-title">Host offline</span>
      </div>
    );
  } else if (noSignal) {
    overlay = (
      <div className="thumb-placeholder thumb-muted">
        <Icon name="nosignal" size={22} />
        <span className="thumb-title">No signal</span>
      </div>
    );
  } else if (state === 'no_capture') {
    overlay = (
      <div className="thumb-placeholder thumb-muted">
        <Icon name="camera" size={22} />
        <span className="thumb-title">No capture</span>
      </div>
    );
  }

  return (
    <Link
      to={deviceHref(device)}
      className={`wall-tile wall-${state}`}
      data-device={`${device.host}/${device.id}`}
      data-state={state}
      data-incident-kind={incident?.kind}
      data-picture={showsPicture ? 'shown' : noSignal ? 'no_signal' : 'none'}
      title={`${device.name} on ${device.host}`}
    >
      <div ref={setElement} className="thumb wall-thumb">
        {showsPicture ? <Snapshot device={device} running={pageVisible && onScreen} /> : null}
        {overlay}
        {incident ? (
          <span className="wall-incident-tag" data-testid="wall-incident">
            <Icon name={kindIcon(incident.kind)} size={13} />
            {kindTitle(incident.kind)}
            <span className="wall-incident-time">{formatIncidentDuration(incidentDurationMs(incident, now))}</span>
          </span>
        ) : null}
      </div>
      <div className="wall-tile-foot">
        <span className={`wall-dot wall-dot-${state}`} aria-hidden="true" />
        <span className="wall-name">{device.name}</span>
        <span className="wall-host">{device.host}</span>
        <span className="visually-hidden">{STATE_LABELS[state]}</span>
      </div>
    </Link>
  );
}
