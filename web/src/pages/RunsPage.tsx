import { useState } from 'react';
import { testingApi } from '../api/testing';
import type { Run, RunQuery } from '../api/testing';
import { Icon } from '../components/Icon';
import { EmptyState, ErrorState, Skeleton } from '../components/States';
import { RunStatusBadge } from '../components/testing/RunStatusBadge';
import { StatsChart } from '../components/testing/StatsChart';
import { TableSkeleton } from '../components/testing/TableSkeleton';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useLoad } from '../hooks/useLoad';
import { useNow } from '../hooks/useNow';
import { useServerEvents } from '../hooks/useServerEvents';
import { urlParam, useUrlFilters } from '../hooks/useUrlFilters';
import { formatAgo, formatDateTime } from '../lib/format';
import { Link, navigate } from '../lib/router';
import { describeStartedBy, formatRunDuration, runDurationMs } from '../lib/testSteps';
import { sortedDevices } from '../store/liveState';
import { useLiveStore } from '../store/LiveStore';

const PAGE_SIZE = 25;
const STATS_DAYS = 30;
const STATUSES = ['passed', 'failed', 'error', 'cancelled', 'running', 'queued'];

type Filters = typeof NO_FILTERS;

const NO_FILTERS = { testcase: '', device: '', status: '', since: '', until: '' };
// The address names the test case by the API's parameter, so a link can pass it straight on.
const PARAM_NAMES = { testcase: 'testcase_id' };

/** A local date (yyyy-mm-dd) as the RFC 3339 instant its day starts (or, for `until`, ends). */
function dayBoundary(date: string, end: boolean): string | undefined {
  if (!date) return undefined;
  const d = new Date(`${date}T00:00:00`);
  if (Number.isNaN(d.getTime())) return undefined;
  if (end) d.setDate(d.getDate() + 1);
  return d.toISOString();
}

function queryOf(f: Filters, page: number): RunQuery {
  const [host, device] = f.device ? splitDevice(f.device) : [undefined, undefined];
  return {
    testcase_id: f.testcase ? Number(f.testcase) : undefined,
    host,
    device,
    status: f.status || undefined,
    since: dayBoundary(f.since, false),
    until: dayBoundary(f.until, true),
    limit: PAGE_SIZE,
    offset: page * PAGE_SIZE,
  };
}

function splitDevice(value: string): [string, string] {
  const i = value.indexOf('/');
  return i < 0 ? [value, ''] : [value.slice(0, i), value.slice(i + 1)];
}

function RunRow({ run, now }: { run: Run; now: number }) {
  return (
    <tr
      className={`clickable-row row-${run.status}`}
      onClick={(e) => {
        if ((e.target as HTMLElement).closest('a, button')) return;
        navigate(`/runs/${run.id}`);
      }}
      data-run={run.id}
    >
      <td className="mono muted">
        <Link to={`/runs/${run.id}`}>#{run.id}</Link>
      </td>
      <td>
        <RunStatusBadge status={run.status} />
      </td>
      <td className="cell-main">
        <Link to={`/runs/${run.id}`} className="row-title">
          {run.testcase_name}
        </Link>
        {run.reason && run.status !== 'passed' ? <div className="muted small row-sub" title={run.reason}>{run.reason}</div> : null}
      </td>
      <td className="nowrap">{run.device ? `${run.device} on ${run.host ?? '?'}` : <span className="muted">—</span>}</td>
      <td className="nowrap" title={formatDateTime(run.started_at ?? run.queued_at)}>{formatAgo(run.started_at ?? run.queued_at, now)}</td>
      <td className="num">{formatRunDuration(runDurationMs(run, now))}</td>
      <td className="muted small">{describeStartedBy(run.started_by)}</td>
    </tr>
  );
}

export function RunsPage() {
  useDocumentTitle('Runs');
  const now = useNow(5000);
  const { state } = useLiveStore();
  const [page, setPage] = useState(() => Math.max(0, Number(urlParam('page') || 1) - 1));
  const { filters, set: setSome, filtered } = useUrlFilters(NO_FILTERS, {
    paramNames: PARAM_NAMES,
    extraParams: { page: page > 0 ? String(page + 1) : '' },
  });

  const runs = useLoad((signal) => testingApi.runs(queryOf(filters, page), signal), [filters, page]);
  const stats = useLoad(
    (signal) => testingApi.stats(STATS_DAYS, filters.testcase ? Number(filters.testcase) : undefined, signal),
    [filters.testcase],
  );
  const testcases = useLoad((signal) => testingApi.testcases({}, signal), []);
  const reload = () => {
    runs.reload();
    stats.reload();
  };
  useServerEvents(['run.queued', 'run.started', 'run.finished'], reload, reload);

  const set = (patch: Partial<Filters>) => {
    setSome(patch);
    setPage(0);
  };
  const devices = sortedDevices(state) ?? [];
  const total = runs.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  let content;
  if (!runs.data && runs.error) {
    content = <ErrorState title="Could not load the runs" message={runs.error} onRetry={runs.reload} />;
  } else if (!runs.data) {
    content = <TableSkeleton rows={6} />;
  } else if (runs.data.runs.length === 0 && !filtered && page === 0) {
    content = (
      <EmptyState icon="runs" title="No runs yet">
        <p>Run a test case from the Tests page: its run, live picture and report show up here.</p>
        <button type="button" className="button button-primary state-action" onClick={() => navigate('/tests')}>
          <Icon name="tests" size={15} /> Go to the test cases
        </button>
      </EmptyState>
    );
  } else if (runs.data.runs.length === 0) {
    content = (
      <EmptyState icon="search" title="No run matches these filters">
        <button type="button" className="button state-action" onClick={() => set(NO_FILTERS)}>
          Clear the filters
        </button>
      </EmptyState>
    );
  } else {
    content = (
      <div className="card table-card">
        <table className="table data-table" data-testid="runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th>Test case</th>
              <th>Device</th>
              <th>Started</th>
              <th className="num">Duration</th>
              <th>Started by</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.runs.map((run) => (
              <RunRow key={run.id} run={run} now={now} />
            ))}
          </tbody>
        </table>
        <div className="pager">
          <span className="muted small">
            {page * PAGE_SIZE + 1}–{Math.min(total, (page + 1) * PAGE_SIZE)} of {total}
          </span>
          <button type="button" className="button button-sm" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
            <Icon name="left" size={14} /> Newer
          </button>
          <span className="muted small">
            Page {page + 1} of {pages}
          </span>
          <button type="button" className="button button-sm" disabled={page + 1 >= pages} onClick={() => setPage((p) => p + 1)}>
            Older <Icon name="right" size={14} />
          </button>
        </div>
      </div>
    );
  }

  return (
    <div className="stack">
      <div className="page-head">
        <h1>
          Runs {runs.data ? <span className="count">{runs.data.total}</span> : null}
        </h1>
        <p className="page-sub">Every run of every test case, newest first, with its report.</p>
      </div>

      <section className="panel" aria-labelledby="trend-title">
        <div className="panel-head">
          <h2 id="trend-title" className="panel-title">
            <Icon name="runs" size={16} /> Last {STATS_DAYS} days
            {filters.testcase ? <span className="muted small">· this test case</span> : null}
          </h2>
        </div>
        {stats.data ? (
          <StatsChart stats={stats.data} days={STATS_DAYS} />
        ) : stats.error ? (
          <p className="form-error">The trend could not be loaded: {stats.error}</p>
        ) : (
          <Skeleton height={150} />
        )}
      </section>

      <div className="toolbar filters" data-testid="run-filters">
        <label className="field-inline">
          <span className="field-label">Test case</span>
          <select className="input select" value={filters.testcase} onChange={(e) => set({ testcase: e.target.value })} data-testid="filter-testcase">
            <option value="">All</option>
            {(testcases.data ?? []).map((tc) => (
              <option key={tc.id} value={String(tc.id)}>
                {tc.name}
              </option>
            ))}
            {filters.testcase && testcases.data && !testcases.data.some((tc) => String(tc.id) === filters.testcase) ? (
              <option value={filters.testcase}>Test case {filters.testcase}</option>
            ) : null}
          </select>
        </label>
        <label className="field-inline">
          <span className="field-label">Device</span>
          <select className="input select" value={filters.device} onChange={(e) => set({ device: e.target.value })} data-testid="filter-device">
            <option value="">All</option>
            {devices.map((d) => (
              <option key={`${d.host}/${d.id}`} value={`${d.host}/${d.id}`}>
                {d.name} ({d.id} on {d.host})
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          <span className="field-label">Status</span>
          <select className="input select" value={filters.status} onChange={(e) => set({ status: e.target.value })} data-testid="filter-status">
            <option value="">Any</option>
            <option value="failed,error">Failed or error</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.charAt(0).toUpperCase() + s.slice(1)}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          <span className="field-label">From</span>
          <input className="input" type="date" value={filters.since} max={filters.until || undefined} onChange={(e) => set({ since: e.target.value })} />
        </label>
        <label className="field-inline">
          <span className="field-label">To</span>
          <input className="input" type="date" value={filters.until} min={filters.since || undefined} onChange={(e) => set({ until: e.target.value })} />
        </label>
        {filtered ? (
          <button type="button" className="button button-sm" onClick={() => set(NO_FILTERS)}>
            <Icon name="close" size={13} /> Clear
          </button>
        ) : null}
      </div>
      {content}
    </div>
  );
}
