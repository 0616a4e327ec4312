import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../api/client';
import { runOf, testingApi } from '../api/testing';
import type { CampaignRun, CampaignRunTest, TestingEvent } from '../api/testing';
import { Icon } from '../components/Icon';
import { PageLoader, pageLoadFailure } from '../components/PageLoader';
import { Skeleton } from '../components/States';
import { RunDialog } from '../components/testing/RunDialog';
import { Fact, RunFacts } from '../components/testing/RunFacts';
import { RunStatusBadge } from '../components/testing/RunStatusBadge';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useNow } from '../hooks/useNow';
import { useServerEvents } from '../hooks/useServerEvents';
import { startedByMe } from '../lib/identity';
import { Link, navigate } from '../lib/router';
import { describeStartedBy, describeTarget, formatRunDuration, isFinished, runDurationMs, runStatusInfo } from '../lib/testSteps';
import type { PageProps } from '../routes';
import { useCan } from '../store/Auth';

const POLL_MS = 5000;

function testStatus(test: CampaignRunTest, campaignFinished: boolean): string {
  if (test.run) return test.run.status;
  return campaignFinished ? 'not_run' : 'not_started';
}

function BackLink() {
  return (
    <Link to="/tests/campaigns" className="back-link">
      <Icon name="left" size={16} /> Campaigns
    </Link>
  );
}

function Progress({ run }: { run: CampaignRun }) {
  const finished = isFinished(run.status);
  const total = run.tests.length || 1;
  return (
    <div className="campaign-progress" role="img" aria-label={`${run.passed} passed, ${run.failed} failed, ${run.errors} error, ${run.not_run} not run of ${run.tests.length}`}>
      {run.tests.map((t) => {
        const status = testStatus(t, finished);
        return <span key={t.position} className={`progress-seg seg-${runStatusInfo(status).tone}`} style={{ width: `${100 / total}%` }} title={`${t.position + 1}. ${t.name}: ${runStatusInfo(status).label}`} />;
      })}
    </div>
  );
}

export function CampaignRunPage({ params }: PageProps) {
  const id = Number(params.id);
  const toast = useToast();
  const now = useNow(1000);
  const [run, setRun] = useState<CampaignRun | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);
  const [again, setAgain] = useState(false);
  const canRun = useCan('tester');
  useDocumentTitle(run ? `${run.name} · campaign run #${run.id}` : `Campaign run #${params.id ?? ''}`);

  const load = useCallback(() => {
    testingApi.campaignRun(id).then(
      (fresh) => {
        setRun(fresh);
        setError(null);
      },
      (err: unknown) => setError(err),
    );
  }, [id]);
  useEffect(load, [load]);

  const finished = run ? isFinished(run.status) : false;
  useEffect(() => {
    if (finished) return;
    const timer = window.setInterval(load, POLL_MS);
    return () => window.clearInterval(timer);
  }, [finished, load]);

  const onEvent = useCallback(
    (event: TestingEvent) => {
      if (event.type === 'campaign.updated') {
        const data = event.data as Partial<CampaignRun> & { campaign_run?: CampaignRun };
        const carried = data.campaign_run ?? data;
        if (carried.id === id) {
          if (Array.isArray(carried.tests)) setRun(carried as CampaignRun);
          else load();
        }
        return;
      }
      // A test of this campaign was queued, started or ended.
      if (event.type !== 'run.step' && runOf(event)?.campaign_run_id === id) load();
    },
    [id, load],
  );
  useServerEvents(['campaign.', 'run.'], onEvent, load);

  if (!run) {
    return (
      <PageLoader
        back={<BackLink />}
        failure={pageLoadFailure(error, { what: 'campaign run', notFoundMessage: `There is no campaign run ${params.id ?? ''}.`, onRetry: load })}
        heading={<Skeleton height={30} width={320} />}
      >
        <Skeleton height={12} />
        <div className="panel skeleton-card tall">
          <Skeleton height={40} />
          <Skeleton height={40} />
        </div>
      </PageLoader>
    );
  }

  const cancel = async () => {
    setCancelling(true);
    try {
      setRun(await testingApi.cancelCampaignRun(run.id));
      toast.show('Cancelled the campaign run', 'info');
      load();
    } catch (err) {
      toast.show(errorMessage(err));
    } finally {
      setCancelling(false);
    }
  };

  const done = run.tests.filter((t) => t.run && isFinished(t.run.status)).length;
  const duration = run.started_at ? (run.finished_at ? Date.parse(run.finished_at) : now) - Date.parse(run.started_at) : null;

  return (
    <div className="stack" data-testid="campaign-run" data-status={run.status}>
      <div className="device-head">
        <BackLink />
        <div className="page-head-row">
          <div className="device-title-row">
            <h1>{run.campaign_id !== null ? <Link to={`/tests/campaigns/${run.campaign_id}`}>{run.name}</Link> : run.name}</h1>
            <RunStatusBadge status={run.status} />
            <span className="muted">Campaign run #{run.id}</span>
          </div>
          <div className="head-actions">
            {!finished && canRun ? (
              <button type="button" className="button button-danger" onClick={() => void cancel()} disabled={cancelling}>
                <Icon name="stop" size={14} /> {cancelling ? 'Cancelling…' : 'Cancel'}
              </button>
            ) : finished ? (
              <>
                <a className="button" href={testingApi.campaignReportUrl(run.id)} target="_blank" rel="noopener">
                  <Icon name="report" size={14} /> Open report
                </a>
                <a
                  className="icon-button"
                  href={testingApi.campaignReportUrl(run.id)}
                  download={`campaign-run-${run.id}.html`}
                  aria-label="Download the HTML report"
                  title="Download the HTML report"
                >
                  <Icon name="download" size={16} />
                </a>
                <a className="button" href={testingApi.campaignJunitUrl(run.id)} download={`campaign-run-${run.id}-junit.xml`}>
                  <Icon name="report" size={14} /> JUnit XML
                </a>
                {run.campaign_id !== null && canRun ? (
                  <button type="button" className="button button-primary" onClick={() => setAgain(true)}>
                    <Icon name="play" size={14} /> Run again
                  </button>
                ) : null}
              </>
            ) : null}
          </div>
        </div>
        <p className="page-sub">
          {describeTarget(run.target)} · {run.continue_on_failure ? 'runs every test' : 'stops at the first test that does not pass'} · started by{' '}
          {describeStartedBy(run.started_by)}
        </p>
      </div>

      <section className="panel">
        <div className="campaign-counts">
          <span className="strong">
            {done} of {run.tests.length} tests done
          </span>
          <span className="good-text">{run.passed} passed</span>
          <span className="bad-text">{run.failed} failed</span>
          <span className="warn-text">{run.errors} error</span>
          <span className="muted">{run.not_run} not run</span>
        </div>
        <Progress run={run} />
        {run.reason ? <p className={run.status === 'passed' ? 'muted' : 'run-reason'}>{run.reason}</p> : null}
        <RunFacts run={run} durationMs={duration}>
          <Fact label="Time limit per test">{run.test_timeout_s ? `${run.test_timeout_s} s` : 'the test case’s own'}</Fact>
        </RunFacts>
      </section>

      <div className="card table-card">
        <table className="table data-table" data-testid="campaign-tests">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>Test case</th>
              <th>Status</th>
              <th>Device</th>
              <th className="num">Duration</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {run.tests.map((t) => {
              const status = testStatus(t, finished);
              const r = t.run;
              return (
                <tr
                  key={t.position}
                  className={r ? `clickable-row row-${status}` : `row-${status}`}
                  onClick={(e) => {
                    if (!r || (e.target as HTMLElement).closest('a, button')) return;
                    navigate(`/runs/${r.id}`);
                  }}
                  data-status={status}
                >
                  <td className="num muted">{t.position + 1}</td>
                  <td className="cell-main">
                    {r ? (
                      <Link to={`/runs/${r.id}`} className="row-title">
                        {t.name}
                      </Link>
                    ) : (
                      <span className="row-title">{t.name}</span>
                    )}
                  </td>
                  <td>
                    <RunStatusBadge status={status} />
                  </td>
                  <td className="small">{r?.device ? `${r.device} on ${r.host ?? '?'}` : <span className="muted">—</span>}</td>
                  <td className="num">
                    {formatRunDuration(r ? runDurationMs(r, now) : null)}
                  </td>
                  <td className="muted small row-reason">{r && r.status !== 'passed' ? r.reason : ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {again && canRun && run.campaign_id !== null ? (
        <RunDialog
          what={run.name}
          kind="campaign"
          initialTarget={run.target}
          onClose={() => setAgain(false)}
          start={async (target) => {
            const next = await testingApi.runCampaign(run.campaign_id ?? 0, { target, started_by: startedByMe() });
            return `/campaign-runs/${next.id}`;
          }}
        />
      ) : null}
    </div>
  );
}
