import { Icon } from '../components/Icon';
import { WallTile, wallState } from '../components/monitoring/WallTile';
import type { WallState } from '../components/monitoring/WallTile';
import { EmptyState, ErrorState, Skeleton } from '../components/States';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useNow } from '../hooks/useNow';
import { usePageVisible } from '../hooks/usePageVisible';
import { usePreference } from '../lib/preferences';
import { Link } from '../lib/router';
import { useIncidents } from '../store/Incidents';
import { sortedDevices } from '../store/liveState';
import { useLiveStore } from '../store/LiveStore';

const SIZES = [
  { value: 's', label: 'Small' },
  { value: 'm', label: 'Medium' },
  { value: 'l', label: 'Large' },
] as const;

const WALL_SIZE_KEY = 'vpt.wallSize';

function Summary({ counts }: { counts: Record<WallState, number> }) {
  const offline = counts.offline + counts.no_signal + counts.no_capture;
  return (
    <div className="wall-summary" data-testid="wall-summary">
      <span className="wall-count">
        <span className="wall-dot wall-dot-ok" aria-hidden="true" /> {counts.ok} OK
      </span>
      <span className={counts.incident > 0 ? 'wall-count bad-text' : 'wall-count'}>
        <span className="wall-dot wall-dot-incident" aria-hidden="true" /> {counts.incident}{' '}
        {counts.incident === 1 ? 'incident' : 'incidents'}
      </span>
      {counts.error > 0 ? (
        <span className="wall-count">
          <span className="wall-dot wall-dot-error" aria-hidden="true" /> {counts.error} capture {counts.error === 1 ? 'error' : 'errors'}
        </span>
      ) : null}
      <span className="wall-count">
        <span className="wall-dot wall-dot-offline" aria-hidden="true" /> {offline} without picture
      </span>
    </div>
  );
}

export function WallPage() {
  useDocumentTitle('Wall');
  const { state, refresh } = useLiveStore();
  const { activeFor } = useIncidents();
  const visible = usePageVisible();
  const now = useNow(1000);
  const [size, , rememberSize] = usePreference(WALL_SIZE_KEY, 'm');
  const devices = sortedDevices(state);
  const hosts = state.hosts.data ?? {};

  const hostOnline = (host: string, status: string) => {
    const h = hosts[host];
    return h ? h.status === 'online' : status !== 'offline';
  };

  let content;
  let counts: Record<WallState, number> | null = null;
  if (!devices && state.devices.error) {
    content = <ErrorState title="Could not load the devices" message={state.devices.error} onRetry={refresh} />;
  } else if (!devices) {
    content = (
      <div className={`wall-grid wall-size-${size}`} aria-busy="true">
        {Array.from({ length: 8 }, (_, i) => (
          <div key={i} className="wall-tile wall-offline" aria-hidden="true">
            <div className="thumb">
              <div className="thumb-loading" />
            </div>
            <div className="wall-tile-foot">
              <Skeleton height={12} width="60%" />
            </div>
          </div>
        ))}
      </div>
    );
  } else if (devices.length === 0) {
    content = (
      <EmptyState icon="grid" title="No devices yet">
        <p>
          Devices are declared in each host's configuration. Once a host with capture sources connects, every picture shows
          up here.
        </p>
      </EmptyState>
    );
  } else {
    counts = { ok: 0, incident: 0, offline: 0, no_signal: 0, error: 0, no_capture: 0 };
    for (const d of devices) counts[wallState(d, hostOnline(d.host, d.status), activeFor(d.host, d.id))] += 1;
    content = (
      <div className={`wall-grid wall-size-${size}`} data-testid="wall">
        {devices.map((device) => (
          <WallTile
            key={`${device.host}/${device.id}`}
            device={device}
            hostOnline={hostOnline(device.host, device.status)}
            incident={activeFor(device.host, device.id)}
            pageVisible={visible}
            now={now}
          />
        ))}
      </div>
    );
  }

  return (
    <div className="stack wall-page">
      <div className="page-head-row">
        <div className="page-head">
          <h1>
            Wall {devices ? <span className="count">{devices.length}</span> : null}
          </h1>
          <p className="page-sub">
            Every device's picture, refreshed every second or two. A red border is an open{' '}
            <Link to="/incidents">incident</Link>; click a picture to open the device.
          </p>
        </div>
        <div className="head-actions">
          {!visible ? (
            <span className="badge badge-muted">
              <Icon name="pause" size={12} /> Paused
            </span>
          ) : null}
          <div className="segmented" role="radiogroup" aria-label="Tile size">
            {SIZES.map((s) => (
              <button key={s.value} type="button" role="radio" aria-checked={size === s.value} onClick={() => rememberSize(s.value)}>
                {s.label}
              </button>
            ))}
          </div>
        </div>
      </div>
      {counts ? <Summary counts={counts} /> : null}
      {content}
    </div>
  );
}
