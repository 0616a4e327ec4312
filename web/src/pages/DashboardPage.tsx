import { DiscoveredList } from '../components/DiscoveredList';
import { HostCard } from '../components/HostCard';
import { ServerStatusCard } from '../components/ServerStatusCard';
import { EmptyState, ErrorState, SkeletonCard } from '../components/States';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { sortedHosts } from '../store/liveState';
import { useLiveStore } from '../store/LiveStore';

function HostsSection() {
  const { state, refresh } = useLiveStore();
  const hosts = sortedHosts(state);

  if (!hosts && state.hosts.error) {
    return <ErrorState title="Could not load the hosts" message={state.hosts.error} onRetry={refresh} />;
  }
  if (!hosts) {
    return (
      <div className="host-grid">
        <SkeletonCard lines={6} tall />
        <SkeletonCard lines={6} tall />
      </div>
    );
  }
  if (hosts.length === 0) {
    return (
      <EmptyState title="No hosts yet">
        <p>
          Start <code>vpt host</code> on the machine next to your devices and point it at this server, or run{' '}
          <code>vpt all</code> for a single bench. Hosts appear here as soon as they connect.
        </p>
      </EmptyState>
    );
  }
  return (
    <div className="host-grid">
      {hosts.map((host) => (
        <HostCard key={host.id} host={host} receivedAt={state.hostReceivedAt[host.id] ?? null} />
      ))}
    </div>
  );
}

export function DashboardPage() {
  useDocumentTitle('Dashboard');
  const { state } = useLiveStore();
  const discovered = state.discovered.data ?? [];
  const hostCount = state.hosts.data ? Object.keys(state.hosts.data).length : null;

  return (
    <div className="stack">
      <div className="page-head">
        <h1>Dashboard</h1>
        <p className="page-sub">The server, its hosts and their devices, updated live.</p>
      </div>
      <ServerStatusCard />
      <section className="stack" aria-labelledby="hosts-title">
        <h2 id="hosts-title" className="section-title">
          Hosts {hostCount !== null ? <span className="count">{hostCount}</span> : null}
        </h2>
        <HostsSection />
      </section>
      {discovered.length > 0 ? <DiscoveredList hosts={discovered} /> : null}
    </div>
  );
}
