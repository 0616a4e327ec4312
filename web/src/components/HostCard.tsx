import type { Host } from '../api/types';
import { useNow } from '../hooks/useNow';
import { formatAgo, formatDuration, formatPercent, formatUsage, tickingUptime, usageRatio } from '../lib/format';
import { DeviceRow } from './DeviceRow';
import { Icon } from './Icon';
import { Meter } from './Meter';
import { HostStatusBadge } from './StatusBadge';

interface HostCardProps {
  host: Host;
  /** When this host object arrived, so its uptime can tick between heartbeats. */
  receivedAt: number | null;
}

export function HostCard({ host, receivedAt }: HostCardProps) {
  const now = useNow(1000);
  const online = host.status === 'online';
  const stats = host.stats;
  const devices = host.devices ?? [];
  const cpu = stats?.cpu_percent ?? null;

  return (
    <article className={online ? 'card host-card' : 'card host-card is-offline'} data-host={host.id}>
      <div className="card-head">
        <div className="host-title">
          <h3 className="card-title">
            <Icon name="host" /> {host.name}
          </h3>
          <span className="host-sub">
            {host.version ? `v${host.version}` : 'version unknown'}
            {host.address ? ` · ${host.address}` : ''}
          </span>
        </div>
        <HostStatusBadge status={host.status} />
      </div>

      <div className="host-facts">
        <span>
          <span className="fact-label">Uptime</span>{' '}
          {online ? formatDuration(tickingUptime(host.uptime_secs, receivedAt, now)) : '—'}
        </span>
        <span>
          <span className="fact-label">Last seen</span> {formatAgo(host.last_seen, now)}
        </span>
        {stats?.temperature_c != null ? (
          <span>
            <span className="fact-label">Temperature</span> {Math.round(stats.temperature_c)} °C
          </span>
        ) : null}
        {stats?.load_avg_1m != null ? (
          <span>
            <span className="fact-label">Load</span> {stats.load_avg_1m.toFixed(2)}
          </span>
        ) : null}
      </div>

      <div className="meters">
        <Meter label="CPU" value={formatPercent(cpu)} ratio={cpu === null ? null : cpu / 100} />
        <Meter
          label="Memory"
          value={formatUsage(stats?.mem_used_bytes, stats?.mem_total_bytes)}
          ratio={usageRatio(stats?.mem_used_bytes, stats?.mem_total_bytes)}
        />
        <Meter
          label="Disk"
          value={formatUsage(stats?.disk_used_bytes, stats?.disk_total_bytes)}
          ratio={usageRatio(stats?.disk_used_bytes, stats?.disk_total_bytes)}
        />
      </div>

      <div className="host-devices">
        <div className="subhead">
          Devices <span className="count">{devices.length}</span>
        </div>
        {devices.length === 0 ? (
          <p className="muted small">This host has no devices configured.</p>
        ) : (
          <ul className="device-rows">
            {devices.map((device) => (
              <DeviceRow key={device.id} device={online ? device : { ...device, status: 'offline' }} />
            ))}
          </ul>
        )}
      </div>
    </article>
  );
}
