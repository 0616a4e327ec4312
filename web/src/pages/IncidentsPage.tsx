import { useMemo } from 'react';
import { incidentHref, incidentOf, INCIDENT_KINDS } from '../api/monitoring';
import type { Incident, IncidentQuery } from '../api/monitoring';
import { deviceHref } from '../components/DeviceRow';
import { Icon } from '../components/Icon';
import { IncidentMarkers, IncidentStatusBadge, KindBadge } from '../components/monitoring/IncidentBadges';
import { EmptyState, ErrorState, Spinner } from '../components/States';
import { TableSkeleton } from '../components/testing/TableSkeleton';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useIncidentList } from '../hooks/useIncidentList';
import type { IncidentList } from '../hooks/useIncidentList';
import { useMonitoredCount } from '../hooks/useMonitoredCount';
import { useNow } from '../hooks/useNow';
import { useServerEvents } from '../hooks/useServerEvents';
import { useUrlFilters } from '../hooks/useUrlFilters';
import { formatAgo, formatDateTime } from '../lib/format';
import { formatIncidentDuration, incidentDurationMs, kindTitle } from '../lib/incidents';
import { Link, navigate } from '../lib/router';
import { sortedDevices } from '../store/liveState';
import { useLiveStore } from '../store/LiveStore';

const PAGE_SIZE = 25;
const ACTIVE_LIMIT = 100;

const NO_FILTERS = { device: '', kind: '', status: '', from: '', to: '' };
type Filters = typeof NO_FILTERS;

/** A local date and time (`yyyy-mm-ddThh:mm`, from the picker) as an RFC 3339 instant. */
function instant(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function splitDevice(value: string): [string, string] {
  const i = value.indexOf('/');
  return i < 0 ? [value, ''] : [value.slice(0, i), value.slice(i + 1)];
}

function queryOf(f: Filters, status: 'active' | 'resolved'): IncidentQuery {
  const [host, device] = f.device ? splitDevice(f.device) : [undefined, undefined];
  return { host, device: device || undefined, kind: f.kind || undefined, status, from: instant(f.from), to: instant(f.to) };
}

/** Whether an incident (from an event) belongs in the list these filters show. */
function matches(f: Filters, incident: Incident): boolean {
  if (f.device && f.device !== `${incident.host}/${incident.device}`) return false;
  if (f.kind && f.kind !== incident.kind) return false;
  if (f.status && f.status !== incident.status) return false;
  const started = Date.parse(incident.started_at);
  const from = instant(f.from);
  const to = instant(f.to);
  if (from && started < Date.parse(from)) return false;
  if (to && started > Date.parse(to)) return false;
  return true;
}

function IncidentRow({ incident, now, deviceName }: { incident: Incident; now: number; deviceName: string | null }) {
  const href = incidentHref(incident.id);
  return (
    <tr
      className={`clickable-row incident-row incident-${incident.status}`}
      onClick={(e) => {
        if ((e.target as HTMLElement).closest('a, button')) return;
        navigate(href);
      }}
      data-incident={incident.id}
      data-status={incident.status}
      data-device={`${incident.host}/${incident.device}`}
    >
      <td className="mono muted">
        <Link to={href}>#{incident.id}</Link>
      </td>
      <td>
        <Link to={href} className="row-title" aria-label={`${kindTitle(incident.kind)} #${incident.id}`}>
          <KindBadge kind={incident.kind} />
        </Link>
      </td>
      <td className="cell-main">
        <Link to={deviceHref({ host: incident.host, id: incident.device })} className="row-title">
          {deviceName ?? incident.device}
        </Link>
        <div className="muted small row-sub">
          {incident.device} on {incident.host}
        </div>
      </td>
      <td className="nowrap" title={formatDateTime(incident.started_at)}>
        {formatAgo(incident.started_at, now)}
      </td>
      <td className="num" data-testid="incident-duration">
        {formatIncidentDuration(incidentDurationMs(incident, now))}
      </td>
      <td>
        <IncidentStatusBadge incident={incident} />
        <IncidentMarkers incident={incident} />
      </td>
    </tr>
  );
}

function IncidentTable({ list, now, names, testId }: { list: IncidentList; now: number; names: Record<string, string>; testId: string }) {
  const items = list.items ?? [];
  return (
    <div className="card table-card">
      <table className="table data-table incident-table" data-testid={testId}>
        <colgroup>
          <col className="col-id" />
          <col className="col-kind" />
          <col />
          <col className="col-started" />
          <col className="col-duration" />
          <col className="col-status" />
        </colgroup>
        <thead>
          <tr>
            <th>Incident</th>
            <th>Kind</th>
            <th>Device</th>
            <th>Started</th>
            <th className="num">Duration</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {items.map((incident) => (
            <IncidentRow
              key={incident.id}
              incident={incident}
              now={now}
              deviceName={names[`${incident.host}/${incident.device}`] ?? null}
            />
          ))}
        </tbody>
      </table>
      {list.hasMore || list.loadMoreError ? (
        <div className="pager">
          <span className="muted small">
            {items.length} shown{list.loadMoreError ? ` · ${list.loadMoreError}` : ''}
          </span>
          <button type="button" className="button button-sm" onClick={list.loadMore} disabled={list.loadingMore} data-testid="load-more">
            {list.loadingMore ? <Spinner label="Loading older incidents" /> : <Icon name="down" size={14} />} Load older
          </button>
        </div>
      ) : null}
    </div>
  );
}

function MonitoringHint({ count }: { count: ReturnType<typeof useMonitoredCount> }) {
  if (!count) return <p>Monitoring watches each device's picture for black screens, frozen pictures and lost signal.</p>;
  if (count.on === 0) {
    return (
      <p>
        Monitoring is off on every device. Turn it on in the <strong>Monitoring</strong> panel of a device's page: it then
        watches the picture for black screens, frozen pictures and lost signal.
      </p>
    );
  }
  return (
    <p data-testid="monitored-count">
      Monitoring is on for {count.on} {count.on === 1 ? 'device' : 'devices'}
      {count.known > count.on ? ` (of ${count.known})` : ''}. When a picture goes black, freezes or loses its signal, the
      incident shows up here and as a notice on every page.
    </p>
  );
}

export function IncidentsPage() {
  useDocumentTitle('Incidents');
  const now = useNow(1000);
  const { state } = useLiveStore();
  const { filters, setFilters, set, filtered } = useUrlFilters(NO_FILTERS);

  const showActive = filters.status !== 'resolved';
  const showResolved = filters.status !== 'active';
  const active = useIncidentList(showActive ? queryOf(filters, 'active') : null, ACTIVE_LIMIT);
  const resolved = useIncidentList(showResolved ? queryOf(filters, 'resolved') : null, PAGE_SIZE);

  useServerEvents(
    ['incident.'],
    (event) => {
      const incident = incidentOf(event);
      if (!incident) return;
      const fits = matches({ ...filters, status: '' }, incident);
      active.patch(incident, fits && incident.status === 'active');
      resolved.patch(incident, fits && incident.status === 'resolved');
    },
    () => {
      active.reload();
      resolved.reload();
    },
  );

  const devices = sortedDevices(state);
  const names = useMemo(() => {
    const out: Record<string, string> = {};
    for (const d of devices ?? []) out[`${d.host}/${d.id}`] = d.name;
    return out;
  }, [devices]);

  const lists = [showActive ? active : null, showResolved ? resolved : null].filter((l): l is IncidentList => l !== null);
  const failed = lists.find((l) => l.items === null && l.error);
  const loading = lists.some((l) => l.items === null);
  const empty = !loading && lists.every((l) => (l.items ?? []).length === 0);
  const monitored = useMonitoredCount(devices, empty && !filtered);

  let content;
  if (failed) {
    content = (
      <ErrorState
        title="Could not load the incidents"
        message={failed.error ?? ''}
        onRetry={() => {
          active.reload();
          resolved.reload();
        }}
      />
    );
  } else if (loading) {
    content = <TableSkeleton rows={5} />;
  } else if (empty && !filtered) {
    content = (
      <EmptyState icon="bell" title="No incidents">
        <MonitoringHint count={monitored} />
        <button type="button" className="button state-action" onClick={() => navigate('/wall')}>
          <Icon name="grid" size={15} /> Watch the device wall
        </button>
      </EmptyState>
    );
  } else if (empty) {
    content = (
      <EmptyState icon="search" title="No incident matches these filters">
        <button type="button" className="button state-action" onClick={() => setFilters(NO_FILTERS)}>
          Clear the filters
        </button>
      </EmptyState>
    );
  } else {
    const activeItems = active.items ?? [];
    content = (
      <>
        {showActive ? (
          <section className="stack-sm" aria-labelledby="active-title">
            <h2 id="active-title" className="section-title">
              Active <span className="count">{activeItems.length}</span>
            </h2>
            {activeItems.length > 0 ? (
              <IncidentTable list={active} now={now} names={names} testId="incidents-active" />
            ) : (
              <p className="muted incidents-none" data-testid="no-active">
                <Icon name="check" size={15} /> Nothing is wrong right now.
              </p>
            )}
          </section>
        ) : null}
        {showResolved ? (
          <section className="stack-sm" aria-labelledby="resolved-title">
            <h2 id="resolved-title" className="section-title">
              Resolved
            </h2>
            {(resolved.items ?? []).length > 0 ? (
              <IncidentTable list={resolved} now={now} names={names} testId="incidents-resolved" />
            ) : (
              <p className="muted incidents-none">No resolved incident{filtered ? ' matches these filters' : ' yet'}.</p>
            )}
          </section>
        ) : null}
      </>
    );
  }

  return (
    <div className="stack">
      <div className="page-head">
        <h1>Incidents</h1>
        <p className="page-sub">Black screens, frozen pictures and lost signal seen by monitoring, newest first.</p>
      </div>

      <div className="toolbar filters incident-filters" data-testid="incident-filters">
        <label className="field-inline">
          <span className="field-label">Device</span>
          <select className="input select" value={filters.device} onChange={(e) => set({ device: e.target.value })} data-testid="filter-device">
            <option value="">All</option>
            {(devices ?? []).map((d) => (
              <option key={`${d.host}/${d.id}`} value={`${d.host}/${d.id}`}>
                {d.name} ({d.id} on {d.host})
              </option>
            ))}
            {filters.device && devices && !devices.some((d) => `${d.host}/${d.id}` === filters.device) ? (
              <option value={filters.device}>{filters.device}</option>
            ) : null}
          </select>
        </label>
        <label className="field-inline">
          <span className="field-label">Kind</span>
          <select className="input select" value={filters.kind} onChange={(e) => set({ kind: e.target.value })} data-testid="filter-kind">
            <option value="">Any</option>
            {INCIDENT_KINDS.map((k) => (
              <option key={k} value={k}>
                {kindTitle(k)}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          <span className="field-label">Status</span>
          <select className="input select" value={filters.status} onChange={(e) => set({ status: e.target.value })} data-testid="filter-status">
            <option value="">Any</option>
            <option value="active">Active</option>
            <option value="resolved">Resolved</option>
          </select>
        </label>
        <label className="field-inline">
          <span className="field-label">From</span>
          <input
            className="input"
            type="datetime-local"
            value={filters.from}
            max={filters.to || undefined}
            onChange={(e) => set({ from: e.target.value })}
            data-testid="filter-from"
          />
        </label>
        <label className="field-inline">
          <span className="field-label">To</span>
          <input
            className="input"
            type="datetime-local"
            value={filters.to}
            min={filters.from || undefined}
            onChange={(e) => set({ to: e.target.value })}
            data-testid="filter-to"
          />
        </label>
        {filtered ? (
          <button type="button" className="button button-sm" onClick={() => setFilters(NO_FILTERS)}>
            <Icon name="close" size={13} /> Clear
          </button>
        ) : null}
      </div>
      {content}
    </div>
  );
}
