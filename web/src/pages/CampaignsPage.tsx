import { useState } from 'react';
import { testingApi } from '../api/testing';
import type { Campaign } from '../api/testing';
import { Icon } from '../components/Icon';
import { ReadOnlyNote } from '../components/RoleGate';
import { EmptyState, ErrorState } from '../components/States';
import { ConfirmDialog } from '../components/testing/ConfirmDialog';
import { RunDialog } from '../components/testing/RunDialog';
import { RunStatusBadge } from '../components/testing/RunStatusBadge';
import { TableSkeleton } from '../components/testing/TableSkeleton';
import { TestsTabs } from '../components/testing/TestsTabs';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useLoad } from '../hooks/useLoad';
import { useNow } from '../hooks/useNow';
import { useServerEvents } from '../hooks/useServerEvents';
import { formatAgo, formatDateTime } from '../lib/format';
import { startedByMe } from '../lib/identity';
import { Link, navigate } from '../lib/router';
import { describeStartedBy, describeTarget } from '../lib/testSteps';
import { useCan } from '../store/Auth';

function testsText(campaign: Campaign): string {
  const names = campaign.testcases.map((t) => t.name ?? `deleted test case ${t.id}`);
  if (names.length <= 3) return names.join(', ');
  return `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

export function CampaignsPage() {
  useDocumentTitle('Campaigns');
  const toast = useToast();
  const now = useNow(10_000);
  const campaigns = useLoad((signal) => testingApi.campaigns(signal), []);
  const recent = useLoad((signal) => testingApi.campaignRuns({ limit: 10 }, signal), []);
  const [running, setRunning] = useState<Campaign | null>(null);
  const [deleting, setDeleting] = useState<Campaign | null>(null);
  const canChange = useCan('tester');
  const reload = () => {
    campaigns.reload();
    recent.reload();
  };
  useServerEvents(['campaign.'], reload, reload);

  const data = campaigns.data;
  let content;
  if (!data && campaigns.error) {
    content = <ErrorState title="Could not load the campaigns" message={campaigns.error} onRetry={campaigns.reload} />;
  } else if (!data) {
    content = <TableSkeleton />;
  } else if (data.length === 0) {
    content = (
      <EmptyState icon="layers" title={canChange ? 'No campaigns yet — create one' : 'No campaigns yet'}>
        <p>A campaign runs several test cases one after another on the same device, with one report for all of them.</p>
        {canChange ? (
          <button type="button" className="button button-primary state-action" onClick={() => navigate('/tests/campaigns/new')}>
            <Icon name="plus" size={15} /> New campaign
          </button>
        ) : null}
      </EmptyState>
    );
  } else {
    content = (
      <div className="card table-card">
        <table className="table data-table" data-testid="campaigns">
          <thead>
            <tr>
              <th>Name</th>
              <th>Test cases</th>
              <th>Device</th>
              <th>On failure</th>
              <th>Last run</th>
              <th className="cell-actions">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((c) => (
              <tr key={c.id} data-campaign={c.name}>
                <td className="cell-main">
                  <Link to={`/tests/campaigns/${c.id}`} className="row-title">
                    {c.name}
                  </Link>
                  {c.description ? (
                    <div className="muted small row-sub" title={c.description}>
                      {c.description}
                    </div>
                  ) : null}
                </td>
                <td>
                  <span className="strong">{c.testcase_ids.length}</span> <span className="muted small">{testsText(c)}</span>
                </td>
                <td className="small">{describeTarget(c.target)}</td>
                <td className="small">{c.continue_on_failure ? 'Run the rest' : 'Stop'}</td>
                <td className="nowrap">
                  {c.last_run ? (
                    <Link to={`/campaign-runs/${c.last_run.id}`} className="status-link">
                      <RunStatusBadge status={c.last_run.status} />
                      {c.last_run.finished_at ? <span className="muted small">{formatAgo(c.last_run.finished_at, now)}</span> : null}
                    </Link>
                  ) : (
                    <span className="muted small">Never run</span>
                  )}
                </td>
                <td className="cell-actions">
                  {canChange ? (
                    <>
                      <button type="button" className="button button-sm button-primary" onClick={() => setRunning(c)}>
                        <Icon name="play" size={13} /> Run
                      </button>
                      <Link to={`/tests/campaigns/${c.id}`} className="icon-button icon-sm" title="Edit" aria-label={`Edit ${c.name}`}>
                        <Icon name="edit" size={15} />
                      </Link>
                      <button type="button" className="icon-button icon-sm icon-button-danger" onClick={() => setDeleting(c)} title="Delete" aria-label={`Delete ${c.name}`}>
                        <Icon name="trash" size={15} />
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }

  const runsList = recent.data?.campaign_runs ?? [];
  return (
    <div className="stack">
      <div className="page-head-row">
        <div className="page-head">
          <h1>Tests</h1>
          <p className="page-sub">Campaigns run several test cases in order on one device and report them together.</p>
        </div>
        {canChange ? (
          <button type="button" className="button button-primary" onClick={() => navigate('/tests/campaigns/new')} data-testid="new-campaign">
            <Icon name="plus" size={15} /> New campaign
          </button>
        ) : <ReadOnlyNote what="running and editing campaigns" />}
      </div>
      <TestsTabs active="/tests/campaigns" />
      {content}
      {runsList.length > 0 ? (
        <section className="stack-sm" aria-labelledby="recent-title">
          <h2 id="recent-title" className="section-title">
            Recent campaign runs
          </h2>
          <div className="card table-card">
            <table className="table data-table">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Status</th>
                  <th>Campaign</th>
                  <th>Results</th>
                  <th>Started</th>
                  <th>Started by</th>
                </tr>
              </thead>
              <tbody>
                {runsList.map((r) => (
                  <tr key={r.id}>
                    <td className="mono muted">
                      <Link to={`/campaign-runs/${r.id}`}>#{r.id}</Link>
                    </td>
                    <td>
                      <RunStatusBadge status={r.status} />
                    </td>
                    <td className="cell-main">
                      <Link to={`/campaign-runs/${r.id}`} className="row-title">
                        {r.name}
                      </Link>
                    </td>
                    <td className="small">
                      <span className="good-text">{r.passed} passed</span>
                      {r.failed ? <span className="bad-text"> · {r.failed} failed</span> : null}
                      {r.errors ? <span className="warn-text"> · {r.errors} error</span> : null}
                      {r.not_run ? <span className="muted"> · {r.not_run} not run</span> : null}
                    </td>
                    <td title={formatDateTime(r.started_at ?? r.queued_at)}>{formatAgo(r.started_at ?? r.queued_at, now)}</td>
                    <td className="muted small">{describeStartedBy(r.started_by)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      {running && canChange ? (
        <RunDialog
          what={running.name}
          kind="campaign"
          initialTarget={running.target}
          onClose={() => setRunning(null)}
          start={async (target) => {
            const run = await testingApi.runCampaign(running.id, { target, started_by: startedByMe() });
            return `/campaign-runs/${run.id}`;
          }}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete campaign “${deleting.name}”?`}
          confirmLabel="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await testingApi.deleteCampaign(deleting.id);
            toast.show(`Deleted “${deleting.name}”`, 'info');
            reload();
          }}
        >
          <p>Its test cases and past runs stay. A schedule that starts it must be deleted first.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
