import { DeviceTile } from '../components/DeviceTile';
import type { ThumbnailMode } from '../components/DeviceThumbnail';
import { EmptyState, ErrorState, Skeleton } from '../components/States';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { sortedDevices } from '../store/liveState';
import { useLiveStore } from '../store/LiveStore';

/** Above this many tiles, thumbnails are refreshed snapshots rather than streams (see DeviceThumbnail). */
const MAX_STREAMING_TILES = 4;

function TileSkeleton() {
  return (
    <div className="card device-tile" aria-hidden="true">
      <div className="thumb">
        <div className="thumb-loading" />
      </div>
      <div className="device-tile-body">
        <Skeleton height={16} width="60%" />
        <Skeleton height={12} width="40%" />
      </div>
    </div>
  );
}

export function DevicesPage() {
  useDocumentTitle('Devices');
  const { state, refresh } = useLiveStore();
  const devices = sortedDevices(state);
  const hosts = state.hosts.data ?? {};

  let content;
  if (!devices && state.devices.error) {
    content = <ErrorState title="Could not load the devices" message={state.devices.error} onRetry={refresh} />;
  } else if (!devices) {
    content = (
      <div className="device-grid" aria-busy="true">
        {Array.from({ length: 4 }, (_, i) => (
          <TileSkeleton key={i} />
        ))}
      </div>
    );
  } else if (devices.length === 0) {
    content = (
      <EmptyState icon="devices" title="No devices yet">
        <p>
          Devices are declared in each host's configuration. Start <code>vpt host</code> with a config that lists your
          capture cards and remotes, or <code>vpt all</code> to try two simulated set-top boxes.
        </p>
      </EmptyState>
    );
  } else {
    const mode: ThumbnailMode = devices.length > MAX_STREAMING_TILES ? 'snapshot' : 'stream';
    content = (
      <div className="device-grid">
        {devices.map((device) => {
          const host = hosts[device.host];
          const hostOnline = host ? host.status === 'online' : device.status !== 'offline';
          return (
            <DeviceTile
              key={`${device.host}/${device.id}`}
              device={device}
              hostName={host?.name ?? device.host}
              hostOnline={hostOnline}
              thumbnailMode={mode}
            />
          );
        })}
      </div>
    );
  }

  return (
    <div className="stack">
      <div className="page-head">
        <h1>
          Devices {devices ? <span className="count">{devices.length}</span> : null}
        </h1>
        <p className="page-sub">Every device on every host. Pick one to watch and control it.</p>
      </div>
      {content}
    </div>
  );
}
