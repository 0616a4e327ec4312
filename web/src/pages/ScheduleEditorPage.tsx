import { useState } from 'react';
import { errorMessage } from '../api/client';
import { testingApi } from '../api/testing';
import type { Schedule, ScheduleBody, Target } from '../api/testing';
import { Icon } from '../components/Icon';
import { PageLoader } from '../components/PageLoader';
import { ReadOnlyNote } from '../components/RoleGate';
import { Banner, EmptyState, Skeleton } from '../components/States';
import { ConfirmDialog } from '../components/testing/ConfirmDialog';
import { FiringText, Switch } from '../components/testing/ScheduleParts';
import { TargetPicker, cleanTarget } from '../components/testing/TargetPicker';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useLoad } from '../hooks/useLoad';
import { useNavigateWhenSaved } from '../hooks/useNavigateWhenSaved';
import { useNow } from '../hooks/useNow';
import { useServerEvents } from '../hooks/useServerEvents';
import { useUnsavedGuard } from '../hooks/useUnsavedGuard';
import { CRON_PRESETS, cronProblem, describeCron, formatIn, fromLocalInput, toLocalInput } from '../lib/cron';
import { formatDateTime } from '../lib/format';
import { Link } from '../lib/router';
import type { PageProps } from '../routes';
import { useCan } from '../store/Auth';

const LEAVE_WARNING = 'This schedule has unsaved changes. Leave and lose them?';

interface Draft {
  name: string;
  kind: 'testcase' | 'campaign';
  what: string;
  target: Target;
  cron: string;
  startAt: string;
  endAt: string;
  maxRuns: string;
  enabled: boolean;
}

const EMPTY: Draft = { name: '', kind: 'testcase', what: '', target: {}, cron: '0 2 * * *', startAt: '', endAt: '', maxRuns: '', enabled: true };

function draftOf(s: Schedule): Draft {
  return {
    name: s.name,
    kind: s.campaign_id !== null ? 'campaign' : 'testcase',
    what: String(s.campaign_id ?? s.testcase_id ?? ''),
    target: s.target ?? {},
    cron: s.cron,
    startAt: toLocalInput(s.start_at),
    endAt: toLocalInput(s.end_at),
    maxRuns: s.max_runs ? String(s.max_runs) : '',
    enabled: s.enabled,
  };
}

function bodyOf(d: Draft): ScheduleBody {
  const max = Number(d.maxRuns);
  const id = Number(d.what);
  return {
    name: d.name.trim(),
    ...(d.kind === 'campaign' ? { campaign_id: id } : { testcase_id: id }),
    target: cleanTarget(d.target) ?? undefined,
    cron: d.cron.trim(),
    start_at: fromLocalInput(d.startAt),
    end_at: fromLocalInput(d.endAt),
    max_runs: d.maxRuns.trim() && Number.isFinite(max) ? Math.round(max) : undefined,
    enabled: d.enabled,
  };
}

function BackLink() {
  return (
    <Link to="/tests/schedules" className="back-link">
      <Icon name="left" size={16} /> All schedules
    </Link>
  );
}

function Firings({ schedule }: { schedule: Schedule }) {
  const now = useNow(10_000);
  const firings = useLoad((signal) => testingApi.firings(schedule.id, 20, signal), [schedule.id]);
  useServerEvents(['schedule.fired'], firings.reload, firings.reload);
  return (
    <section className="panel" aria-labelledby="firings-title">
      <div className="panel-head">
        <h2 id="firings-title" className="panel-title">
          <Icon name="history" size={16} /> Recent firings
        </h2>
        <span className="muted small">
          Fired {schedule.fired} {schedule.fired === 1 ? 'time' : 'times'}
          {schedule.max_runs ? ` of at most ${schedule.max_runs}` : ''}
        </span>
      </div>
      {firings.data === null ? (
        firings.error ? (
          <p className="form-error">The firings could not be loaded: {firings.error}</p>
        ) : (
          <Skeleton height={60} />
        )
      ) : firings.data.length === 0 ? (
        <EmptyState icon="clock" title="Not fired yet">
          <p>{schedule.enabled && schedule.next_fire_at ? `The first firing is ${formatIn(schedule.next_fire_at, now)}.` : 'It is paused.'}</p>
        </EmptyState>
      ) : (
        <ul className="firings" data-testid="firings">
          {firings.data.map((f) => (
            <li key={f.at}>
              <FiringText firing={f} now={now} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ScheduleEditor({ saved, onSaved }: { saved: Schedule | null; onSaved: (s: Schedule) => void }) {
  const toast = useToast();
  // Viewers read the schedule and its firings; nothing in it can be changed.
  const canEdit = useCan('tester');
  const now = useNow(10_000);
  const [draft, setDraft] = useState<Draft>(() => (saved ? draftOf(saved) : EMPTY));
  const [baseline, setBaseline] = useState(() => JSON.stringify(bodyOf(saved ? draftOf(saved) : EMPTY)));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const testcases = useLoad((signal) => testingApi.testcases({}, signal), []);
  const campaigns = useLoad((signal) => testingApi.campaigns(signal), []);
  useDocumentTitle(draft.name.trim() || 'New schedule');

  const dirty = JSON.stringify(bodyOf(draft)) !== baseline;
  useUnsavedGuard(dirty, LEAVE_WARNING);
  const navigateWhenSaved = useNavigateWhenSaved(dirty);

  const described = describeCron(draft.cron);
  // Checked as it is typed; the server's answer on save (it names the field first, "cron: minute:
  // 61 is out of range 0-59") is shown until the expression changes.
  const cronError = cronProblem(draft.cron) ?? (error?.startsWith('cron:') ? error.slice(5).trim() : null);
  const options =
    draft.kind === 'campaign'
      ? (campaigns.data ?? []).map((c) => ({ id: c.id, name: c.name }))
      : (testcases.data ?? []).map((t) => ({ id: t.id, name: t.name }));

  const save = async () => {
    if (!draft.name.trim()) return setError('Give the schedule a name.');
    if (!draft.what) return setError(`Choose the ${draft.kind === 'campaign' ? 'campaign' : 'test case'} it starts.`);
    if (cleanTarget(draft.target) === null) return setError('Pick a device, or choose “Any free device”.');
    setSaving(true);
    setError(null);
    const body = bodyOf(draft);
    try {
      const result = saved ? await testingApi.updateSchedule(saved.id, body) : await testingApi.createSchedule(body);
      setBaseline(JSON.stringify(body));
      onSaved(result);
      toast.show(`Saved “${result.name}”`, 'info');
      if (!saved) navigateWhenSaved(`/tests/schedules/${result.id}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="stack narrow-wide">
      <div className="device-head">
        <BackLink />
        <div className="page-head-row">
          <div className="device-title-row">
            <h1>{draft.name.trim() || 'New schedule'}</h1>
            {saved ? <span className={`badge badge-${saved.enabled ? 'good' : 'muted'}`}>{saved.enabled ? 'Enabled' : 'Paused'}</span> : null}
            {dirty ? (
              <span className="badge badge-warn unsaved-badge" data-testid="unsaved">
                <span className="badge-dot" /> Unsaved changes
              </span>
            ) : null}
          </div>
          {canEdit ? (
            <div className="head-actions">
              <button type="button" className="button button-primary" onClick={() => void save()} disabled={saving || (!dirty && saved !== null)} data-testid="save">
                <Icon name="check" size={14} /> {saving ? 'Saving…' : 'Save'}
              </button>
              {saved ? (
                <button type="button" className="icon-button icon-button-danger" onClick={() => setDeleting(true)} aria-label="Delete" title="Delete">
                  <Icon name="trash" size={16} />
                </button>
              ) : null}
            </div>
          ) : <ReadOnlyNote what="editing schedules" />}
        </div>
      </div>

      {error ? (
        <Banner tone="danger">
          <strong>Not saved.</strong> <span data-testid="save-error">{error}</span>
        </Banner>
      ) : null}
      {saved && !dirty ? (
        <Banner tone="info" icon="calendar">
          <span data-testid="next-fire">
            {saved.enabled && saved.next_fire_at ? (
              <>
                Next firing: <strong>{formatDateTime(saved.next_fire_at)}</strong> ({formatIn(saved.next_fire_at, now)}).
              </>
            ) : saved.enabled ? (
              'It will not fire again (its end date or run limit is reached).'
            ) : (
              'Paused: it does not fire until you enable it.'
            )}
          </span>
        </Banner>
      ) : null}

      <fieldset className="read-only-fieldset" disabled={!canEdit}>
      <section className="panel">
        <div className="details-grid">
          <label className="field span-2">
            <span className="field-label">Name</span>
            <input className="input" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} autoFocus={!saved} placeholder="e.g. Nightly smoke" data-testid="schedule-name" />
          </label>
          <div className="field span-2">
            <span className="field-label">Enabled</span>
            <span className="check-row">
              <Switch checked={draft.enabled} onChange={(enabled) => setDraft({ ...draft, enabled })} label="Enabled" testId="schedule-enabled" />
              <span className="small muted">{draft.enabled ? 'Fires at the times below' : 'Paused'}</span>
            </span>
          </div>
          <div className="field span-4">
            <span className="field-label">Starts</span>
            <div className="starts-row">
              <div className="segmented" role="radiogroup" aria-label="Starts a">
                {(['testcase', 'campaign'] as const).map((kind) => (
                  <button key={kind} type="button" role="radio" aria-checked={draft.kind === kind} onClick={() => setDraft({ ...draft, kind, what: '' })}>
                    <Icon name={kind === 'campaign' ? 'layers' : 'tests'} size={14} /> {kind === 'campaign' ? 'Campaign' : 'Test case'}
                  </button>
                ))}
              </div>
              <select className="input select grow" value={draft.what} onChange={(e) => setDraft({ ...draft, what: e.target.value })} aria-label="What it starts" data-testid="schedule-what">
                <option value="">{testcases.data && campaigns.data ? `Choose a ${draft.kind === 'campaign' ? 'campaign' : 'test case'}…` : 'Loading…'}</option>
                {options.map((o) => (
                  <option key={o.id} value={String(o.id)}>
                    {o.name}
                  </option>
                ))}
                {draft.what && !options.some((o) => String(o.id) === draft.what) && (testcases.data || campaigns.data) ? (
                  <option value={draft.what}>{saved?.target_name ?? `#${draft.what}`}</option>
                ) : null}
              </select>
            </div>
          </div>
        </div>
      </section>

      <section className="panel" aria-labelledby="when-title">
        <div className="panel-head">
          <h2 id="when-title" className="panel-title">
            <Icon name="clock" size={16} /> When
          </h2>
        </div>
        <div className="details-grid">
          <label className="field span-2">
            <span className="field-label">Cron expression (UTC)</span>
            <input
              className="input mono"
              value={draft.cron}
              onChange={(e) => {
                setDraft({ ...draft, cron: e.target.value });
                if (error?.startsWith('cron:')) setError(null);
              }}
              spellCheck={false}
              aria-invalid={cronError ? true : undefined}
              data-testid="schedule-cron"
            />
            {cronError ? (
              <span className="form-error">{cronError}</span>
            ) : (
              <span className={described ? 'small cron-meaning' : 'small muted'}>{described ?? 'Five fields: minute hour day-of-month month day-of-week.'}</span>
            )}
          </label>
          <div className="field span-2">
            <span className="field-label">Common choices</span>
            <div className="chips">
              {CRON_PRESETS.map((p) => (
                <button key={p.cron} type="button" className="chip chip-button" aria-pressed={draft.cron.trim() === p.cron} onClick={() => setDraft({ ...draft, cron: p.cron })}>
                  {p.label}
                </button>
              ))}
            </div>
          </div>
          <details className="span-4 cron-help">
            <summary>How to write a cron expression</summary>
            <p className="small">
              Five fields, in UTC: <code>minute</code> <code>hour</code> <code>day of month</code> <code>month</code> <code>day of week</code> (0 or 7 =
              Sunday). Each is <code>*</code>, a number, a range <code>1-5</code>, a list <code>1,15</code> or a step <code>*/10</code>. Names work
              too (<code>mon</code>, <code>jan</code>), and <code>@hourly</code>, <code>@daily</code>, <code>@weekly</code>, <code>@monthly</code>.
              Example: <code>30 1 * * 1-5</code> is 01:30 UTC on weekdays. The next firing is shown once you save.
            </p>
          </details>
          <label className="field">
            <span className="field-label">Not before</span>
            <input className="input" type="datetime-local" value={draft.startAt} onChange={(e) => setDraft({ ...draft, startAt: e.target.value })} />
          </label>
          <label className="field">
            <span className="field-label">Not after</span>
            <input className="input" type="datetime-local" value={draft.endAt} min={draft.startAt || undefined} onChange={(e) => setDraft({ ...draft, endAt: e.target.value })} />
          </label>
          <label className="field">
            <span className="field-label">At most</span>
            <span className="input-with-unit">
              <input className="input" type="number" min={1} value={draft.maxRuns} placeholder="no limit" onChange={(e) => setDraft({ ...draft, maxRuns: e.target.value })} />
              <span className="muted">runs</span>
            </span>
          </label>
        </div>
      </section>

      <section className="panel" aria-labelledby="device-title">
        <div className="panel-head">
          <h2 id="device-title" className="panel-title">
            <Icon name="devices" size={16} /> Device
          </h2>
          <span className="muted small">Where each firing runs.</span>
        </div>
        <TargetPicker value={draft.target} onChange={(target) => setDraft({ ...draft, target })} testIdPrefix="schedule-target" scheduled />
      </section>

      </fieldset>

      {saved ? <Firings schedule={saved} /> : null}

      {deleting && saved ? (
        <ConfirmDialog
          title={`Delete schedule “${saved.name}”?`}
          confirmLabel="Delete"
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await testingApi.deleteSchedule(saved.id);
            setBaseline(JSON.stringify(bodyOf(draft)));
            toast.show(`Deleted “${saved.name}”`, 'info');
            navigateWhenSaved('/tests/schedules');
          }}
        >
          <p>It stops firing. The runs it started stay.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

export function ScheduleEditorPage({ params }: PageProps) {
  const isNew = !params.id;
  const id = Number(params.id);
  const loaded = useLoad((signal) => (isNew ? Promise.resolve(null) : testingApi.schedule(id, signal)), [isNew, id]);
  const current = loaded.data;
  // Firings move the schedule's count and next firing.
  useServerEvents(['schedule.fired'], loaded.reload);

  if (isNew) return <ScheduleEditor saved={null} onSaved={() => undefined} />;
  if (current) return <ScheduleEditor key={current.id} saved={current} onSaved={(s) => loaded.set(() => s)} />;
  return (
    <PageLoader
      back={<BackLink />}
      failure={loaded.error ? { title: 'Could not open this schedule', message: loaded.error, onRetry: loaded.reload } : null}
      heading={<Skeleton height={30} width={300} />}
    >
      <div className="panel skeleton-card tall">
        <Skeleton height={34} />
        <Skeleton height={120} />
      </div>
    </PageLoader>
  );
}
