import { useState } from 'react';
import { errorMessage } from '../api/client';
import { testingApi } from '../api/testing';
import type { Schedule } from '../api/testing';
import { Icon } from '../components/Icon';
import { ReadOnlyNote } from '../components/RoleGate';
import { EmptyState, ErrorState } from '../components/States';
import { ConfirmDialog } from '../components/testing/ConfirmDialog';
import { FiringText, Switch, scheduleBody } from '../components/testing/ScheduleParts';
import { TableSkeleton } from '../components/testing/TableSkeleton';
import { TestsTabs } from '../components/testing/TestsTabs';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useLoad } from '../hooks/useLoad';
import { useNow } from '../hooks/useNow';
import { useServerEvents } from '../hooks/useServerEvents';
import { describeCron, formatIn } from '../lib/cron';
import { formatDateTime } from '../lib/format';
import { Link, navigate } from '../lib/router';
import { describeTarget } from '../lib/testSteps';
import { useCan } from '../store/Auth';

export function SchedulesPage() {
  useDocumentTitle('Schedules');
  const toast = useToast();
  const now = useNow(10_000);
  const schedules = useLoad((signal) => testingApi.schedules(signal), []);
  const [deleting, setDeleting] = useState<Schedule | null>(null);
  const [toggling, setToggling] = useState<number | null>(null);
  const canChange = useCan('tester');
  useServerEvents(['schedule.'], schedules.reload, schedules.reload);

  const toggle = async (s: Schedule) => {
    setToggling(s.id);
    try {
      const updated = await testingApi.updateSchedule(s.id, scheduleBody(s, { enabled: !s.enabled }));
      schedules.set((list) => (list ? list.map((x) => (x.id === s.id ? updated : x)) : list));
      toast.show(`${updated.enabled ? 'Enabled' : 'Paused'} “${s.name}”`, 'info');
    } catch (err) {
      toast.show(errorMessage(err));
    } finally {
      setToggling(null);
    }
  };

  const data = schedules.data;
  let content;
  if (!data && schedules.error) {
    content = <ErrorState title="Could not load the schedules" message={schedules.error} onRetry={schedules.reload} />;
  } else if (!data) {
    content = <TableSkeleton />;
  } else if (data.length === 0) {
    content = (
      <EmptyState icon="calendar" title={canChange ? 'No schedules yet — create one' : 'No schedules yet'}>
        <p>A schedule starts a test case or a campaign at set times, e.g. every night at 02:00, and keeps what each firing did.</p>
        {canChange ? (
          <button type="button" className="button button-primary state-action" onClick={() => navigate('/tests/schedules/new')}>
            <Icon name="plus" size={15} /> New schedule
          </button>
        ) : null}
      </EmptyState>
    );
  } else {
    content = (
      <div className="card table-card">
        <table className="table data-table" data-testid="schedules">
          <thead>
            <tr>
              <th>On</th>
              <th>Name</th>
              <th>Starts</th>
              <th>When</th>
              <th>Next</th>
              <th>Last firing</th>
              <th className="cell-actions">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((s) => {
              const described = describeCron(s.cron);
              return (
                <tr key={s.id} className={s.enabled ? undefined : 'row-disabled'} data-schedule={s.name}>
                  <td>
                    <Switch
                      checked={s.enabled}
                      onChange={() => void toggle(s)}
                      disabled={!canChange || toggling === s.id}
                      label={canChange ? `${s.enabled ? 'Pause' : 'Enable'} ${s.name}` : `${s.name} is ${s.enabled ? 'on' : 'paused'}`}
                    />
                  </td>
                  <td className="cell-main">
                    <Link to={`/tests/schedules/${s.id}`} className="row-title">
                      {s.name}
                    </Link>
                    <div className="muted small row-sub">{describeTarget(s.target)}</div>
                  </td>
                  <td>
                    <Link to={s.campaign_id !== null ? `/tests/campaigns/${s.campaign_id}` : `/tests/${s.testcase_id ?? ''}`} className="with-icon">
                      <Icon name={s.campaign_id !== null ? 'layers' : 'tests'} size={14} /> {s.target_name ?? (s.campaign_id !== null ? `Campaign ${s.campaign_id}` : `Test case ${s.testcase_id}`)}
                    </Link>
                  </td>
                  <td>
                    <code>{s.cron}</code>
                    {described ? <div className="muted small">{described}</div> : null}
                  </td>
                  <td>
                    {s.enabled && s.next_fire_at ? (
                      <>
                        <div>{formatDateTime(s.next_fire_at)}</div>
                        <div className="muted small">{formatIn(s.next_fire_at, now)}</div>
                      </>
                    ) : (
                      <span className="muted small">{s.enabled ? 'No more firings' : 'Paused'}</span>
                    )}
                  </td>
                  <td className="small">
                    {s.last_firing ? <FiringText firing={s.last_firing} now={now} /> : <span className="muted">Not fired yet</span>}
                    {s.max_runs ? <div className="muted small">{s.fired} of {s.max_runs} runs</div> : null}
                  </td>
                  <td className="cell-actions">
                    {canChange ? (
                      <>
                        <Link to={`/tests/schedules/${s.id}`} className="icon-button icon-sm" title="Edit" aria-label={`Edit ${s.name}`}>
                          <Icon name="edit" size={15} />
                        </Link>
                        <button type="button" className="icon-button icon-sm icon-button-danger" onClick={() => setDeleting(s)} title="Delete" aria-label={`Delete ${s.name}`}>
                          <Icon name="trash" size={15} />
                        </button>
                      </>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <div className="stack">
      <div className="page-head-row">
        <div className="page-head">
          <h1>Tests</h1>
          <p className="page-sub">Schedules start a test case or a campaign from a cron expression (in UTC).</p>
        </div>
        {canChange ? (
          <button type="button" className="button button-primary" onClick={() => navigate('/tests/schedules/new')} data-testid="new-schedule">
            <Icon name="plus" size={15} /> New schedule
          </button>
        ) : <ReadOnlyNote what="editing schedules" />}
      </div>
      <TestsTabs active="/tests/schedules" />
      {content}
      {deleting ? (
        <ConfirmDialog
          title={`Delete schedule “${deleting.name}”?`}
          confirmLabel="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await testingApi.deleteSchedule(deleting.id);
            toast.show(`Deleted “${deleting.name}”`, 'info');
            schedules.reload();
          }}
        >
          <p>It stops firing. The runs it started stay.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
