import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/client';
import { streamUrl } from '../api/endpoints';
import { testingApi } from '../api/testing';
import type { RunDetail } from '../api/testing';
import { deviceHref } from '../components/DeviceRow';
import { LivePicture } from '../components/device/LivePicture';
import type { PictureBlocker } from '../components/device/LivePicture';
import { Icon } from '../components/Icon';
import { PageLoader, pageLoadFailure } from '../components/PageLoader';
import { Skeleton, Spinner } from '../components/States';
import { LightboxProvider } from '../components/testing/Lightbox';
import { RunDialog } from '../components/testing/RunDialog';
import { Fact, RunFacts } from '../components/testing/RunFacts';
import { LiveSteps, ReportSteps, firstFailure, placeNumber } from '../components/testing/RunSteps';
import { RunStatusBadge } from '../components/testing/RunStatusBadge';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useNow } from '../hooks/useNow';
import { useRun } from '../hooks/useRun';
import { formatDateTime } from '../lib/format';
import { startedByMe } from '../lib/identity';
import { Link } from '../lib/router';
import { revealInPage } from '../lib/scroll';
import { describeStartedBy, describeTarget, isFinished, runDurationMs } from '../lib/testSteps';
import type { PageProps } from '../routes';
import { useCan } from '../store/Auth';
import { useLiveDevice, useLiveStore } from '../store/LiveStore';

function BackLink({ campaignRunId }: { campaignRunId?: number | null }) {
  if (campaignRunId) {
    return (
      <Link to={`/campaign-runs/${campaignRunId}`} className="back-link">
        <Icon name="left" size={16} /> Campaign run #{campaignRunId}
      </Link>
    );
  }
  return (
    <Link to="/runs" className="back-link">
      <Icon name="left" size={16} /> All runs
    </Link>
  );
}

function DeviceLink({ run }: { run: RunDetail }) {
  if (!run.host || !run.device) return <span className="muted">{describeTarget(run.target)}</span>;
  return (
    <Link to={deviceHref({ host: run.host, id: run.device })}>
      {run.device} on {run.host}
    </Link>
  );
}

/** The device's live picture while the run uses it. */
function RunPicture({ run }: { run: RunDetail }) {
  const host = run.host ?? '';
  const id = run.device ?? '';
  const device = useLiveDevice(host, id);
  const { state } = useLiveStore();
  const hostInfo = state.hosts.data?.[host];
  const hostOnline = hostInfo ? hostInfo.status === 'online' : device?.status !== 'offline';
  let blocker: PictureBlocker | null = null;
  if (!hostOnline || device?.status === 'offline') {
    blocker = { icon: 'offline', title: 'Host offline', detail: `${host} is not connected to the server.`, tone: 'offline', state: 'Offline' };
  } else if (device?.status === 'no_signal') {
    blocker = { icon: 'nosignal', title: 'No signal', tone: 'warn', state: 'No signal', hideWhileLive: true };
  }
  return (
    <LivePicture url={host && id && hostOnline ? streamUrl(host, id) : null} blocker={blocker} label={`Live picture of ${device?.name ?? id}`} />
  );
}

function Facts({ run, now }: { run: RunDetail; now: number }) {
  return (
    <RunFacts
      run={run}
      durationMs={runDurationMs(run, now)}
      durationTestId="run-duration"
      lead={
        <Fact label="Device">
          <DeviceLink run={run} />
        </Fact>
      }
    >
      <Fact label="Started by">{describeStartedBy(run.started_by)}</Fact>
    </RunFacts>
  );
}

// How much of the first failed step (its title, reason and checks) must show for the report to
// open without scrolling.
const FAILURE_HEAD_PX = 160;

function RunView({ tracker }: { tracker: ReturnType<typeof useRun> & { run: RunDetail } }) {
  const { run } = tracker;
  const toast = useToast();
  const now = useNow(1000);
  const [cancelling, setCancelling] = useState(false);
  const [again, setAgain] = useState(false);
  const canRun = useCan('tester');
  const finished = isFinished(run.status);
  const failure = finished ? firstFailure(run.steps) : null;
  useDocumentTitle(`Run #${run.id} · ${run.testcase_name}`);

  // A finished report opens on its first failure.
  const scrolled = useRef(false);
  useEffect(() => {
    if (!finished || scrolled.current) return;
    scrolled.current = true;
    // Only the page scrolls, and only when the failure's head is not already on screen.
    if (failure) revealInPage(document.getElementById(`result-${failure.index}`), { minVisible: FAILURE_HEAD_PX });
  }, [finished, failure]);

  const cancel = async () => {
    setCancelling(true);
    try {
      tracker.accept(await testingApi.cancelRun(run.id));
      toast.show(`Cancelled run #${run.id}`, 'info');
    } catch (err) {
      toast.show(errorMessage(err));
    } finally {
      setCancelling(false);
    }
  };

  const passedSteps = run.steps.filter((s) => s.status === 'passed').length;
  const failedSteps = run.steps.length - passedSteps;

  return (
    <div className="stack run-page" data-testid="run-page" data-status={run.status}>
      <div className="device-head">
        <BackLink campaignRunId={run.campaign_run_id} />
        <div className="page-head-row">
          <div className="device-title-row">
            <h1>
              {run.testcase_id !== null ? <Link to={`/tests/${run.testcase_id}`}>{run.testcase_name}</Link> : run.testcase_name}
            </h1>
            <RunStatusBadge status={run.status} />
            <span className="muted">Run #{run.id}</span>
          </div>
          <div className="head-actions">
            {!finished && canRun ? (
              <button type="button" className="button button-danger" onClick={() => void cancel()} disabled={cancelling} data-testid="cancel-run">
                <Icon name="stop" size={14} /> {cancelling ? 'Cancelling…' : 'Cancel'}
              </button>
            ) : finished ? (
              <>
                <a className="button" href={testingApi.reportUrl(run.id)} target="_blank" rel="noopener" data-testid="open-html">
                  <Icon name="report" size={14} /> Open report
                </a>
                <a
                  className="icon-button"
                  href={testingApi.reportUrl(run.id)}
                  download={`run-${run.id}.html`}
                  data-testid="download-html"
                  aria-label="Download the HTML report"
                  title="Download the HTML report"
                >
                  <Icon name="download" size={16} />
                </a>
                <a className="button" href={testingApi.junitUrl(run.id)} download={`run-${run.id}-junit.xml`} data-testid="download-junit">
                  <Icon name="report" size={14} /> JUnit XML
                </a>
                {run.testcase_id !== null && canRun ? (
                  <button type="button" className="button button-primary" onClick={() => setAgain(true)} data-testid="run-again">
                    <Icon name="play" size={14} /> Run again
                  </button>
                ) : null}
              </>
            ) : null}
          </div>
        </div>
        <p className="page-sub">
          Version {run.testcase_version} · {describeTarget(run.target)} · started by {describeStartedBy(run.started_by)}
        </p>
      </div>

      {run.status === 'queued' ? (
        <div className="queue-panel panel" data-testid="queue">
          <Spinner label="Waiting" />
          <div>
            <p className="strong">
              {run.target?.host && run.target.device ? `Waiting for ${run.target.device} on ${run.target.host}` : 'Waiting for a device'}
              {run.queue_position ? (
                <>
                  {' '}
                  — <span data-testid="queue-position">position {run.queue_position}</span> in the queue
                </>
              ) : null}
            </p>
            <p className="muted small">
              {run.target?.host && run.target.device
                ? 'The device is busy; the run starts as soon as it is free.'
                : `${describeTarget(run.target)}: the run starts as soon as a device that fits is free.`}{' '}
              Queued {formatDateTime(run.queued_at)}.
            </p>
          </div>
        </div>
      ) : null}

      {finished ? (
        <section className={`panel run-summary run-summary-${run.status}`} data-testid="run-summary">
          <div className="run-summary-head">
            <RunStatusBadge status={run.status} />
            <span className="strong">
              {run.status === 'passed'
                ? passedSteps === 1 ? 'The step passed' : `All ${passedSteps} steps passed`
                : run.status === 'cancelled'
                  ? `Cancelled after ${run.steps.length} ${run.steps.length === 1 ? 'step' : 'steps'}`
                  : run.steps.length === 0
                    ? 'No step ran'
                    : `${failedSteps} of ${run.steps.length} steps did not pass`}
            </span>
            {failure ? (
              <a
                href={`#result-${failure.index}`}
                onClick={(e) => {
                  e.preventDefault();
                  revealInPage(document.getElementById(`result-${failure.index}`), { smooth: true });
                }}
                data-testid="first-failure"
              >
                Go to the first failure (step {placeNumber(failure.path)})
              </a>
            ) : null}
          </div>
          {run.reason ? (
            <p className={run.status === 'failed' || run.status === 'error' ? 'run-reason' : 'muted'} data-testid="run-reason">
              {run.reason}
            </p>
          ) : null}
          <Facts run={run} now={now} />
        </section>
      ) : (
        <Facts run={run} now={now} />
      )}

      {run.status === 'running' ? (
        <div className="run-live">
          <div className="run-live-picture">
            <RunPicture run={run} />
          </div>
          <section className="panel run-live-steps" aria-labelledby="live-title">
            <div className="panel-head">
              <h2 id="live-title" className="panel-title">
                <Icon name="tests" size={16} /> Steps
              </h2>
              <span className="muted small">
                {run.steps.length} {run.steps.length === 1 ? 'step' : 'steps'} done
                {run.steps_failed ? ` · ${run.steps_failed} failed` : ''}
              </span>
            </div>
            <LiveSteps run={run} current={run.current} />
          </section>
        </div>
      ) : null}

      {run.status === 'queued' ? (
        <section className="panel" aria-labelledby="plan-title">
          <div className="panel-head">
            <h2 id="plan-title" className="panel-title">
              <Icon name="tests" size={16} /> Steps to run
            </h2>
          </div>
          <LiveSteps run={run} current={null} />
        </section>
      ) : null}

      {finished ? (
        <section className="stack-sm" aria-labelledby="report-title">
          <h2 id="report-title" className="section-title">
            Steps
          </h2>
          {run.steps.length === 0 && !run.document?.steps.length ? (
            <p className="muted">No step ran.</p>
          ) : (
            <LightboxProvider>
              <ReportSteps run={run} />
            </LightboxProvider>
          )}
        </section>
      ) : null}

      {again && canRun && run.testcase_id !== null ? (
        <RunDialog
          what={run.testcase_name}
          initialTarget={run.host && run.device ? { host: run.host, device: run.device } : run.target}
          onClose={() => setAgain(false)}
          start={async (target) => {
            const next = await testingApi.startRun({ testcase_id: run.testcase_id ?? 0, target, started_by: startedByMe() });
            return `/runs/${next.id}`;
          }}
        />
      ) : null}
    </div>
  );
}

export function RunPage({ params }: PageProps) {
  const id = Number(params.id);
  const tracker = useRun(id);
  useDocumentTitle(`Run #${params.id ?? ''}`);

  if (tracker.run) return <RunView tracker={{ ...tracker, run: tracker.run }} />;
  const failure = pageLoadFailure(tracker.error, {
    what: 'run',
    notFoundMessage: `There is no run ${params.id ?? ''}.`,
    missing: !Number.isInteger(id),
    onRetry: tracker.reload,
    offlineNotice: 'The run will show as soon as the server answers again.',
  });
  return (
    <PageLoader
      back={<BackLink />}
      failure={failure}
      heading={
        <>
          <Skeleton height={30} width={360} />
          <Skeleton height={14} width={240} />
        </>
      }
    >
      <div className="panel skeleton-card tall">
        <Skeleton height={18} width="20%" />
        <Skeleton height={56} />
        <Skeleton height={56} />
      </div>
    </PageLoader>
  );
}
