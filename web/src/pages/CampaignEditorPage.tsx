import { useEffect, useState } from 'react';
import { errorMessage } from '../api/client';
import { testingApi } from '../api/testing';
import type { Campaign, CampaignBody, Target } from '../api/testing';
import { Icon } from '../components/Icon';
import { PageLoader } from '../components/PageLoader';
import { ReadOnlyNote } from '../components/RoleGate';
import { Banner, Skeleton } from '../components/States';
import { ConfirmDialog } from '../components/testing/ConfirmDialog';
import { RunDialog } from '../components/testing/RunDialog';
import { TargetPicker, cleanTarget } from '../components/testing/TargetPicker';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useLoad } from '../hooks/useLoad';
import { useNavigateWhenSaved } from '../hooks/useNavigateWhenSaved';
import { useUnsavedGuard } from '../hooks/useUnsavedGuard';
import { startedByMe } from '../lib/identity';
import { Link } from '../lib/router';
import type { PageProps } from '../routes';
import { useCan } from '../store/Auth';

const LEAVE_WARNING = 'This campaign has unsaved changes. Leave and lose them?';

interface Draft {
  name: string;
  description: string;
  testcaseIds: number[];
  continueOnFailure: boolean;
  testTimeout: string;
  target: Target;
}

const EMPTY: Draft = { name: '', description: '', testcaseIds: [], continueOnFailure: true, testTimeout: '', target: {} };

function draftOf(c: Campaign): Draft {
  return {
    name: c.name,
    description: c.description ?? '',
    testcaseIds: c.testcase_ids,
    continueOnFailure: c.continue_on_failure,
    testTimeout: c.test_timeout_s ? String(c.test_timeout_s) : '',
    target: c.target ?? {},
  };
}

function bodyOf(d: Draft): CampaignBody {
  const timeout = Number(d.testTimeout);
  return {
    name: d.name.trim(),
    description: d.description.trim() || undefined,
    testcase_ids: d.testcaseIds,
    continue_on_failure: d.continueOnFailure,
    test_timeout_s: d.testTimeout.trim() && Number.isFinite(timeout) ? Math.round(timeout) : undefined,
    target: cleanTarget(d.target) ?? undefined,
  };
}

function BackLink() {
  return (
    <Link to="/tests/campaigns" className="back-link">
      <Icon name="left" size={16} /> All campaigns
    </Link>
  );
}

function CampaignEditor({ saved, onSaved }: { saved: Campaign | null; onSaved: (c: Campaign) => void }) {
  const toast = useToast();
  // Viewers read the campaign: nothing in it can be changed or run.
  const canEdit = useCan('tester');
  const [draft, setDraft] = useState<Draft>(() => (saved ? draftOf(saved) : EMPTY));
  const [baseline, setBaseline] = useState(() => JSON.stringify(bodyOf(saved ? draftOf(saved) : EMPTY)));
  const [adding, setAdding] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'run' | 'delete' | null>(() =>
    canEdit && saved && new URLSearchParams(window.location.search).get('run') === '1' ? 'run' : null,
  );
  // `?run=1` (from "Save and run" on a new campaign) opens the run dialog once.
  useEffect(() => {
    if (window.location.search.includes('run=1')) window.history.replaceState(null, '', window.location.pathname);
  }, []);
  const testcases = useLoad((signal) => testingApi.testcases({}, signal), []);
  useDocumentTitle(draft.name.trim() || 'New campaign');

  const dirty = JSON.stringify(bodyOf(draft)) !== baseline;
  useUnsavedGuard(dirty, LEAVE_WARNING);
  const navigateWhenSaved = useNavigateWhenSaved(dirty);

  const names = new Map((testcases.data ?? []).map((t) => [t.id, t.name]));
  saved?.testcases.forEach((t) => {
    if (!names.has(t.id) && t.name) names.set(t.id, t.name);
  });
  const targetIncomplete = cleanTarget(draft.target) === null;

  const setIds = (ids: number[]) => setDraft((d) => ({ ...d, testcaseIds: ids }));
  const move = (i: number, delta: number) => {
    const ids = [...draft.testcaseIds];
    const j = i + delta;
    if (j < 0 || j >= ids.length) return;
    [ids[i], ids[j]] = [ids[j] as number, ids[i] as number];
    setIds(ids);
  };

  const save = async (options: { thenRun?: boolean } = {}): Promise<Campaign | null> => {
    if (!draft.name.trim()) {
      setError('Give the campaign a name.');
      return null;
    }
    if (draft.testcaseIds.length === 0) {
      setError('Add at least one test case.');
      return null;
    }
    setSaving(true);
    setError(null);
    const body = bodyOf(draft);
    try {
      const result = saved ? await testingApi.updateCampaign(saved.id, body) : await testingApi.createCampaign(body);
      setBaseline(JSON.stringify(body));
      onSaved(result);
      toast.show(`Saved “${result.name}”`, 'info');
      // A new campaign moves to its own address; "Save and run" opens the run dialog there.
      if (!saved) navigateWhenSaved(`/tests/campaigns/${result.id}${options.thenRun ? '?run=1' : ''}`);
      return result;
    } catch (err) {
      setError(errorMessage(err));
      return null;
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
            <h1>{draft.name.trim() || 'New campaign'}</h1>
            {dirty ? (
              <span className="badge badge-warn unsaved-badge" data-testid="unsaved">
                <span className="badge-dot" /> Unsaved changes
              </span>
            ) : null}
          </div>
          {canEdit ? (
            <div className="head-actions">
              <button
                type="button"
                className="button"
                disabled={saving}
                data-testid="save-and-run"
                onClick={async () => {
                  if (dirty || !saved) {
                    const result = await save({ thenRun: true });
                    // A new campaign opens the dialog on its own page (see `?run=1`).
                    if (!result || !saved) return;
                  }
                  setDialog('run');
                }}
              >
                <Icon name="play" size={14} /> {dirty || !saved ? 'Save and run' : 'Run'}
              </button>
              <button type="button" className="button button-primary" onClick={() => void save()} disabled={saving || (!dirty && saved !== null)} data-testid="save">
                <Icon name="check" size={14} /> {saving ? 'Saving…' : 'Save'}
              </button>
              {saved ? (
                <button type="button" className="icon-button icon-button-danger" onClick={() => setDialog('delete')} aria-label="Delete" title="Delete">
                  <Icon name="trash" size={16} />
                </button>
              ) : null}
            </div>
          ) : <ReadOnlyNote what="running and editing campaigns" />}
        </div>
      </div>
      {error ? (
        <Banner tone="danger">
          <strong>Not saved.</strong> {error}
        </Banner>
      ) : null}

      <fieldset className="read-only-fieldset" disabled={!canEdit}>
      <section className="panel">
        <div className="details-grid">
          <label className="field span-2">
            <span className="field-label">Name</span>
            <input className="input" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} autoFocus={!saved} data-testid="campaign-name" />
          </label>
          <label className="field">
            <span className="field-label">Time limit per test</span>
            <span className="input-with-unit">
              <input
                className="input"
                type="number"
                min={1}
                value={draft.testTimeout}
                placeholder="the test case's own"
                onChange={(e) => setDraft({ ...draft, testTimeout: e.target.value })}
              />
              <span className="muted">s</span>
            </span>
          </label>
          <label className="check-row field-check">
            <input type="checkbox" checked={draft.continueOnFailure} onChange={(e) => setDraft({ ...draft, continueOnFailure: e.target.checked })} />
            Run the remaining tests when one fails
          </label>
          <label className="field span-4">
            <span className="field-label">Description</span>
            <textarea className="input" rows={2} value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
          </label>
        </div>
      </section>

      <section className="panel" aria-labelledby="tests-title">
        <div className="panel-head">
          <h2 id="tests-title" className="panel-title">
            <Icon name="tests" size={16} /> Test cases <span className="count">{draft.testcaseIds.length}</span>
          </h2>
          <span className="muted small">Run in this order, on the same device. A test may appear more than once.</span>
        </div>
        {draft.testcaseIds.length === 0 ? <p className="muted small">No test case yet: add the first one below.</p> : null}
        <ol className="campaign-tests" data-testid="campaign-tests">
          {draft.testcaseIds.map((id, i) => (
            <li key={`${id}-${i}`} className="campaign-test">
              <span className="step-number">{i + 1}</span>
              <Link to={`/tests/${id}`} className="grow">
                {names.get(id) ?? `Test case ${id}`}
              </Link>
              {testcases.data && !testcases.data.some((t) => t.id === id) ? <span className="badge badge-bad">Deleted</span> : null}
              <button type="button" className="icon-button icon-xs" onClick={() => move(i, -1)} disabled={i === 0} aria-label="Move up">
                <Icon name="up" size={14} />
              </button>
              <button type="button" className="icon-button icon-xs" onClick={() => move(i, 1)} disabled={i === draft.testcaseIds.length - 1} aria-label="Move down">
                <Icon name="down" size={14} />
              </button>
              <button type="button" className="icon-button icon-xs icon-button-danger" onClick={() => setIds(draft.testcaseIds.filter((_, j) => j !== i))} aria-label="Remove">
                <Icon name="close" size={13} />
              </button>
            </li>
          ))}
        </ol>
        {canEdit ? (
          <div className="action-add">
            <select className="input select input-sm grow" value={adding} onChange={(e) => setAdding(e.target.value)} aria-label="Test case to add" data-testid="campaign-add-select">
              <option value="">{testcases.data ? 'Choose a test case to add…' : 'Loading the test cases…'}</option>
              {(testcases.data ?? []).map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} ({t.steps} steps)
                </option>
              ))}
            </select>
            <button
              type="button"
              className="button button-sm"
              disabled={!adding}
              onClick={() => {
                setIds([...draft.testcaseIds, Number(adding)]);
                setAdding('');
              }}
              data-testid="campaign-add"
            >
              <Icon name="plus" size={13} /> Add
            </button>
          </div>
        ) : null}
        {testcases.error ? <p className="form-error">The test cases could not be loaded: {testcases.error}</p> : null}
      </section>

      <section className="panel" aria-labelledby="device-title">
        <div className="panel-head">
          <h2 id="device-title" className="panel-title">
            <Icon name="devices" size={16} /> Device
          </h2>
          <span className="muted small">Where it runs unless you choose otherwise when starting it.</span>
        </div>
        <TargetPicker value={draft.target} onChange={(target) => setDraft({ ...draft, target })} testIdPrefix="campaign-target" />
        {targetIncomplete ? <p className="muted small">Pick a device, or choose “Any free device”.</p> : null}
      </section>
      </fieldset>

      {dialog === 'run' && saved && canEdit ? (
        <RunDialog
          what={saved.name}
          kind="campaign"
          initialTarget={saved.target}
          onClose={() => setDialog(null)}
          start={async (target) => {
            const run = await testingApi.runCampaign(saved.id, { target, started_by: startedByMe() });
            return `/campaign-runs/${run.id}`;
          }}
        />
      ) : null}
      {dialog === 'delete' && saved ? (
        <ConfirmDialog
          title={`Delete campaign “${saved.name}”?`}
          confirmLabel="Delete"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await testingApi.deleteCampaign(saved.id);
            setBaseline(JSON.stringify(bodyOf(draft)));
            toast.show(`Deleted “${saved.name}”`, 'info');
            navigateWhenSaved('/tests/campaigns');
          }}
        >
          <p>Its test cases and past runs stay. A schedule that starts it must be deleted first.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

export function CampaignEditorPage({ params }: PageProps) {
  const isNew = !params.id;
  const id = Number(params.id);
  const loaded = useLoad((signal) => (isNew ? Promise.resolve(null) : testingApi.campaign(id, signal)), [isNew, id]);
  const [saved, setSaved] = useState<Campaign | null>(null);
  const current = saved ?? loaded.data;

  if (isNew) return <CampaignEditor saved={null} onSaved={setSaved} />;
  if (current) return <CampaignEditor key={current.id} saved={current} onSaved={setSaved} />;
  return (
    <PageLoader
      back={<BackLink />}
      failure={loaded.error ? { title: 'Could not open this campaign', message: loaded.error, onRetry: loaded.reload } : null}
      heading={<Skeleton height={30} width={300} />}
    >
      <div className="panel skeleton-card tall">
        <Skeleton height={34} />
        <Skeleton height={120} />
      </div>
    </PageLoader>
  );
}
