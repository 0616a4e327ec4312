import { useState } from 'react';
import { asSentence, errorMessage } from '../api/client';
import { authApi } from '../api/auth';
import type { ApprovalStatus, HostApproval } from '../api/auth';
import type { Host } from '../api/types';
import { Icon } from '../components/Icon';
import { HostStatusBadge } from '../components/StatusBadge';
import { EmptyState, ErrorState } from '../components/States';
import { ConfirmDialog } from '../components/testing/ConfirmDialog';
import { TableSkeleton } from '../components/testing/TableSkeleton';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useNow } from '../hooks/useNow';
import { formatAgo, formatDateTime } from '../lib/format';
import { Link } from '../lib/router';
import { useHostApprovals } from '../store/HostApprovals';
import { useLiveStore } from '../store/LiveStore';

const ORDER: Record<ApprovalStatus, number> = { pending: 0, approved: 1, revoked: 2 };

function StatusBadge({ status }: { status: ApprovalStatus }) {
  if (status === 'pending') {
    return (
      <span className="badge badge-warn">
        <span className="badge-dot" /> Waiting
      </span>
    );
  }
  if (status === 'approved') return <span className="badge badge-good">Approved</span>;
  return <span className="badge badge-muted">Revoked</span>;
}

/** "by alice, 3 min ago", or "automatically" for a host the policy approved without anyone. */
function Decision({ record, now }: { record: HostApproval; now: number }) {
  if (record.status === 'pending') return <span className="muted">—</span>;
  const when = record.decided_at ? formatAgo(record.decided_at, now) : null;
  return (
    <span title={record.decided_at ? formatDateTime(record.decided_at) : undefined}>
      {record.decided_by && record.decided_by !== 'auto' ? (
        <>
          by <strong>{record.decided_by}</strong>
        </>
      ) : (
        'automatically'
      )}
      {when ? <span className="muted">, {when}</span> : null}
    </span>
  );
}

/**
 * Online or offline, from the live host list (heartbeats), not from the approval record: that
 * one's `last_seen` is the last time the host asked to connect, which an online host does not
 * repeat.
 */
function Connection({ record, host, now }: { record: HostApproval; host: Host | null; now: number }) {
  if (host?.status === 'online') {
    return (
      <span title={host.last_seen ? `Last heartbeat ${formatDateTime(host.last_seen)}` : undefined}>
        <HostStatusBadge status="online" />
        {host.connected_at ? <span className="muted"> · connected {formatAgo(host.connected_at, now)}</span> : null}
      </span>
    );
  }
  const seen = host?.last_seen ?? record.last_seen;
  return (
    <span title={formatDateTime(seen)}>
      <HostStatusBadge status="offline" />
      <span className="muted"> · last seen {formatAgo(seen, now)}</span>
    </span>
  );
}

function ApprovalTable({
  records,
  now,
  busy,
  known,
  onApprove,
  onRevoke,
  testId,
}: {
  records: HostApproval[];
  now: number;
  busy: string | null;
  /** Hosts the server knows now, by name: their connection and heartbeat. */
  known: Map<string, Host>;
  onApprove: (r: HostApproval) => void;
  onRevoke: (r: HostApproval) => void;
  testId: string;
}) {
  return (
    <div className="card table-card">
      <table className="table data-table" data-testid={testId}>
        <thead>
          <tr>
            <th>Host</th>
            <th>State</th>
            <th>Connects from</th>
            <th>First seen</th>
            <th>Connection</th>
            <th>Decided</th>
            <th className="cell-actions">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.name} data-host={r.name} data-status={r.status} className={r.status === 'revoked' ? 'row-disabled' : undefined}>
              <td className="cell-main">
                <span className="strong">{r.name}</span>
                {r.key_fingerprint ? (
                  <div className="small row-sub mono host-key" title="The host logs its key at start: compare before approving" data-testid="host-key">
                    Key {r.key_fingerprint}
                  </div>
                ) : null}
                {known.get(r.name)?.status === 'online' && r.status === 'approved' ? (
                  <div className="small row-sub">
                    <Link to="/devices">Its devices</Link>
                  </div>
                ) : null}
              </td>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td className="mono small">{r.peer ?? <span className="muted">unknown</span>}</td>
              <td className="small nowrap" title={formatDateTime(r.first_seen)}>
                {formatAgo(r.first_seen, now)}
              </td>
              <td className="small nowrap" data-testid="host-connection">
                <Connection record={r} host={known.get(r.name) ?? null} now={now} />
              </td>
              <td className="small">
                <Decision record={r} now={now} />
              </td>
              <td className="cell-actions">
                {r.status === 'approved' ? (
                  <button type="button" className="button button-sm" onClick={() => onRevoke(r)} disabled={busy === r.name} data-testid="host-revoke">
                    Revoke
                  </button>
                ) : (
                  <button
                    type="button"
                    className="button button-sm button-primary"
                    onClick={() => onApprove(r)}
                    disabled={busy === r.name}
                    data-testid="host-approve"
                  >
                    <Icon name="check" size={13} /> {busy === r.name ? 'Approving…' : 'Approve'}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function HostsAdminPage() {
  useDocumentTitle('Hosts');
  const toast = useToast();
  const now = useNow(10_000);
  const { approvals, error, unsupported, reload, put } = useHostApprovals();
  const { state } = useLiveStore();
  const [busy, setBusy] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<HostApproval | null>(null);
  const known = new Map(Object.values(state.hosts.data ?? {}).map((h) => [h.name, h] as const));

  const approve = async (record: HostApproval) => {
    setBusy(record.name);
    try {
      put(await authApi.approveHost(record.name, record.key_fingerprint));
      toast.show(`${record.name} is approved: it joins as soon as it connects`, 'info');
    } catch (err) {
      toast.show(`${record.name} not approved: ${asSentence(errorMessage(err))}`);
    } finally {
      setBusy(null);
    }
  };

  const sorted = approvals
    ? [...approvals].sort((a, b) => ORDER[a.status] - ORDER[b.status] || b.last_seen.localeCompare(a.last_seen) || a.name.localeCompare(b.name))
    : null;
  const waiting = sorted?.filter((r) => r.status === 'pending') ?? [];
  const decided = sorted?.filter((r) => r.status !== 'pending') ?? [];

  let content;
  if (unsupported) {
    content = (
      <EmptyState icon="server" title="This server does not ask for host approval">
        <p>Every host that presents the host token joins. Its hosts are listed on the Dashboard.</p>
      </EmptyState>
    );
  } else if (!sorted && error) {
    content = <ErrorState title="Could not load the hosts" message={error} onRetry={reload} />;
  } else if (!sorted) {
    content = <TableSkeleton rows={3} />;
  } else if (sorted.length === 0) {
    content = (
      <EmptyState icon="server" title="No host has asked to join yet">
        <p>A host started with this server’s address and host token shows up here. Until you approve it, it cannot join.</p>
      </EmptyState>
    );
  } else {
    const props = { now, busy, known, onApprove: (r: HostApproval) => void approve(r), onRevoke: setRevoking };
    content = (
      <>
        <section className="stack-sm" aria-labelledby="waiting-title">
          <h2 id="waiting-title" className="section-title">
            Waiting for approval <span className="count">{waiting.length}</span>
          </h2>
          {waiting.length > 0 ? (
            <ApprovalTable records={waiting} testId="hosts-waiting" {...props} />
          ) : (
            <p className="muted incidents-none" data-testid="no-waiting">
              <Icon name="check" size={15} /> No host is waiting.
            </p>
          )}
        </section>
        {decided.length > 0 ? (
          <section className="stack-sm" aria-labelledby="decided-title">
            <h2 id="decided-title" className="section-title">
              Approved and revoked
            </h2>
            <ApprovalTable records={decided} testId="hosts-decided" {...props} />
          </section>
        ) : null}
      </>
    );
  }

  return (
    <div className="stack">
      <div className="page-head">
        <h1>Hosts</h1>
        <p className="page-sub">
          A host that connects with the host token joins once an admin approves its key (by default, hosts on this server’s
          own machine are approved automatically). Compare the key with the one the host prints when it starts. Revoking cuts
          a host off at once.
        </p>
      </div>
      {content}
      {revoking ? (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          confirmLabel="Revoke"
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            put(await authApi.revokeHost(revoking.name));
            toast.show(`${revoking.name} is revoked and disconnected`, 'info');
          }}
        >
          <p>
            Its link is cut now: its devices go offline, and runs on them stop. It cannot join again until an admin approves it
            again.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
