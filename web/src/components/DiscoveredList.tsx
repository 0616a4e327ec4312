import type { DiscoveredHost } from '../api/types';
import { Icon } from './Icon';

/** IPv4 first (what people type), IPv6 bracketed so the port reads unambiguously. */
function formatAddresses(addresses: string[], port: number): string {
  if (addresses.length === 0) return '—';
  const isV6 = (a: string) => a.includes(':');
  return [...addresses]
    .sort((a, b) => Number(isV6(a)) - Number(isV6(b)))
    .map((a) => (isV6(a) ? `[${a}]:${port}` : `${a}:${port}`))
    .join(', ');
}

export function DiscoveredList({ hosts }: { hosts: DiscoveredHost[] }) {
  return (
    <section className="card" aria-labelledby="discovered-title">
      <div className="card-head">
        <h2 id="discovered-title" className="card-title">
          <Icon name="wifi" /> Discovered on the LAN (not joined)
        </h2>
        <span className="count">{hosts.length}</span>
      </div>
      <p className="muted small">
        These machines announce vpt over mDNS but have not joined this server. Start them with <code>vpt host</code> pointed
        at this server to add them.
      </p>
      <table className="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>Addresses</th>
            <th>Version</th>
          </tr>
        </thead>
        <tbody>
          {hosts.map((host) => (
            <tr key={`${host.name}-${host.port}`}>
              <td className="strong">{host.name}</td>
              <td>{host.role ?? '—'}</td>
              <td className="mono">{formatAddresses(host.addresses, host.port)}</td>
              <td>{host.version ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
