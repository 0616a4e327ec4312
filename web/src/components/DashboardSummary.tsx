// The dashboard's first answer to "is everything all right?": open incidents and the latest runs.

import { incidentHref } from '../api/monitoring';
import { testingApi } from '../api/testing';
import { useLoad } from '../hooks/useLoad';
import { useNow } from '../hooks/useNow';
import { useServerEvents } from '../hooks/useServerEvents';
import { formatAgo } from '../lib/format';
import { formatIncidentDuration, incidentDurationMs, kindTitle } from '../lib/incidents';
import { Link } from '../lib/router';
import { useIncidents } from '../store/Incidents';
import { Icon } from './Icon';
import { RunStatusBadge } from './testing/RunStatusBadge';

const RECENT_RUNS = 5;
const SHOWN_INCIDENTS = 4;

function OpenIncidents({ now }: { now: number }) {
  const { active } = useIncidents();
  const list = active ?? [];
  return (
    <section className="card summary-card" aria-labelledby="summary-incidents" data-testid="summary-incidents">
      <div className="summary-head">
        <h2 id="summary-incidents" className="card-title">
          <Icon name="bell" size={16} /> Open incidents <span className="count">{active ? list.length : '…'}</span>
        </h2>
        <Link to="/incidents" className="small">
          All incidents
        </Link>
      </div>
      {active === null ? (
        <p className="muted small">Loading…</p>
      ) : list.length === 0 ? (
        <p className="summary-ok">
          <Icon name="check" size={15} /> None: no device shows a black screen, a frozen picture or no signal.
        </p>
      ) : (
        <ul className="summary-list">
          {list.slice(0, SHOWN_INCIDENTS).map((incident) => (
            <li key={incident.id}>
              <span className="badge badge-bad">{kindTitle(incident.kind)}</span>
              <Link to={incidentHref(incident.id)} className="summary-main">
                {incident.device} on {incident.host}
              </Link>
              <span className="muted small nowrap">for {formatIncidentDuration(incidentDurationMs(incident, now))}</span>
            </li>
          ))}
          {list.length > SHOWN_INCIDENTS ? (
            <li className="muted small">and {list.length - SHOWN_INCIDENTS} more</li>
          ) : null}
        </ul>
      )}
    </section>
  );
}

function RecentRuns({ now }: { now: number }) {
  const runs = useLoad((signal) => testingApi.runs({ limit: RECENT_RUNS }, signal), []);
  // Started and finished runs show up at once.
  useServerEvents(['run.started', 'run.finished', 'run.queued'], runs.reload, runs.reload);
  const list = runs.data?.runs ?? [];
  return (
    <section className="card summary-card" aria-labelledby="summary-runs" data-testid="summary-runs">
      <div className="summary-head">
        <h2 id="summary-runs" className="card-title">
          <Icon name="runs" size={16} /> Recent runs {runs.data ? <span className="count">{runs.data.total}</span> : null}
        </h2>
        <Link to="/runs" className="small">
          All runs
        </Link>
      </div>
      {runs.error && !runs.data ? (
        <p className="form-error">The runs could not be loaded: {runs.error}</p>
      ) : !runs.data ? (
        <p className="muted small">Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted small">
          No run yet. Write a test case under <Link to="/tests">Tests</Link> and run it on a device.
        </p>
      ) : (
        <ul className="summary-list">
          {list.map((run) => (
            <li key={run.id}>
              <RunStatusBadge status={run.status} />
              <Link to={`/runs/${run.id}`} className="summary-main">
                {run.testcase_name}
              </Link>
              <span className="muted small nowrap">
                {run.device ?? 'any device'} · {formatAgo(run.finished_at ?? run.started_at ?? run.queued_at, now)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function DashboardSummary() {
  const now = useNow(10_000);
  return (
    <div className="summary-grid">
      <OpenIncidents now={now} />
      <RecentRuns now={now} />
    </div>
  );
}
