import { useNow } from '../hooks/useNow';
import { formatBytes, formatDuration, tickingUptime } from '../lib/format';
import { hostCounts } from '../store/liveState';
import { useLiveStore } from '../store/LiveStore';
import { Icon } from './Icon';
import { ErrorState, Skeleton } from './States';

function Stat({ label, value, tone }: { label: string; value: string; tone?: 'good' | 'bad' | 'muted' }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className={tone ? `stat-value stat-${tone}` : 'stat-value'}>{value}</div>
    </div>
  );
}

export function ServerStatusCard() {
  const { state, refresh } = useLiveStore();
  const now = useNow(1000);
  const info = state.info.data;
  const counts = hostCounts(state);
  const dbOk = state.status.data?.db_ok;

  let body;
  if (!info && state.info.error) {
    body = <ErrorState title="Server status unavailable" message={state.info.error} onRetry={refresh} />;
  } else if (!info) {
    body = (
      <div className="stat-grid">
        {Array.from({ length: 6 }, (_, i) => (
          <div className="stat" key={i}>
            <Skeleton height={11} width="50%" />
            <Skeleton height={22} width="70%" />
          </div>
        ))}
      </div>
    );
  } else {
    body = (
      <div className="stat-grid">
        <Stat label="Version" value={info.version} />
        <Stat label="Uptime" value={formatDuration(tickingUptime(info.uptime_secs, state.info.loadedAt, now))} />
        <Stat
          label="Database"
          value={formatBytes(info.db_size_bytes)}
          tone={dbOk === false ? 'bad' : undefined}
        />
        <Stat label="Hosts online" value={counts ? String(counts.online) : '—'} tone={counts && counts.online > 0 ? 'good' : undefined} />
        <Stat label="Hosts offline" value={counts ? String(counts.offline) : '—'} tone={counts && counts.offline > 0 ? 'bad' : 'muted'} />
        <Stat label="Devices" value={counts ? String(counts.devices) : '—'} />
      </div>
    );
  }

  return (
    <section className="card server-card" aria-labelledby="server-card-title">
      <div className="card-head">
        <h2 id="server-card-title" className="card-title">
          <Icon name="server" /> Server
        </h2>
        {dbOk === false ? <span className="badge badge-bad">Database error</span> : null}
      </div>
      {body}
    </section>
  );
}
