import { DashboardSummary } from '../components/DashboardSummary';
import { DiscoveredList } from '../components/DiscoveredList';
import { HostCard } from '../components/HostCard';
import { ServerStatusCard } from '../components/ServerStatusCard';
import { Banner, EmptyState, ErrorState, SkeletonCard } from '../components/States';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { Link } from '../lib/router';
import { useHostApprovals } from '../store/HostApprovals';
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

/** For admins: hosts that connected but cannot join until someone approves them. */
function PendingHostsNotice() {
  const { pending } = useHostApprovals();
  if (pending === 0) return null;
  return (
    <div className="pending-hosts-notice" data-testid="pending-hosts-notice">
      <Banner tone="warning" icon="server">
        <strong>
          {pending} {pending === 1 ? 'host is' : 'hosts are'} waiting for approval.
        </strong>{' '}
        {pending === 1 ? 'It' : 'They'} cannot join until an admin approves {pending === 1 ? 'it' : 'them'}.{' '}
        <Link to="/admin/hosts">Review on the Hosts page</Link>
      </Banner>
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
        <p className="page-sub">Open incidents, the latest runs, the server, its hosts and their devices, updated live.</p>
      </div>
      <PendingHostsNotice />
      <DashboardSummary />
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
