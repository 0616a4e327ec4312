import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { navApi } from '../api/nav';
import { testingApi } from '../api/testing';
import type { TestCase, TestCaseBody, TestStep } from '../api/testing';
import { Icon } from '../components/Icon';
import { PageLoader, pageLoadFailure } from '../components/PageLoader';
import { ReadOnlyNote } from '../components/RoleGate';
import { Banner, Skeleton } from '../components/States';
import { ChipsInput } from '../components/testing/ChipsInput';
import { ConfirmDialog } from '../components/testing/ConfirmDialog';
import { MenuButton } from '../components/testing/MenuButton';
import { RunDialog } from '../components/testing/RunDialog';
import { StepEditorContext } from '../components/testing/stepEditorContext';
import type { NodeChoice, StepEditorContextValue, StepProblem } from '../components/testing/stepEditorContext';
import { StepList } from '../components/testing/StepList';
import type { StepEdits } from '../components/testing/StepList';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useLoad } from '../hooks/useLoad';
import { useNavigateWhenSaved } from '../hooks/useNavigateWhenSaved';
import { useUnsavedGuard } from '../hooks/useUnsavedGuard';
import { formatDateTime } from '../lib/format';
import { startedByMe } from '../lib/identity';
import { DEFAULT_USERINTERFACE, USERINTERFACE_KEY, usePreference } from '../lib/preferences';
import { PAD_KEYS } from '../lib/remoteKeys';
import { Link, navigate } from '../lib/router';
import { revealInPage } from '../lib/scroll';
import {
  cleanSteps,
  countSteps,
  insertStep,
  moveStep,
  parsePlaceError,
  removeStep,
  stepAt,
  updateStep,
  withUids,
} from '../lib/testSteps';
import type { StepPath } from '../lib/testSteps';
import type { PageProps } from '../routes';
import { useCan } from '../store/Auth';
import { sortedDevices } from '../store/liveState';
import { useLiveStore } from '../store/LiveStore';

const LEAVE_WARNING = 'This test case has unsaved changes. Leave and lose them?';
const DEFAULT_TIMEOUT_S = 600;

interface Draft {
  name: string;
  description: string;
  tags: string[];
  userinterface: string;
  timeout_s: number;
  steps: TestStep[];
}

const EMPTY: Draft = { name: '', description: '', tags: [], userinterface: '', timeout_s: DEFAULT_TIMEOUT_S, steps: [] };

function draftOf(tc: TestCase): Draft {
  return {
    name: tc.name,
    description: tc.description ?? '',
    tags: tc.tags ?? [],
    userinterface: tc.document.userinterface ?? '',
    timeout_s: tc.document.timeout_s ?? DEFAULT_TIMEOUT_S,
    steps: withUids(tc.document.steps ?? []),
  };
}

function bodyOf(draft: Draft): TestCaseBody {
  return {
    name: draft.name.trim(),
    description: draft.description.trim() || undefined,
    tags: draft.tags,
    userinterface: draft.userinterface || undefined,
    timeout_s: draft.timeout_s,
    steps: cleanSteps(draft.steps),
  };
}

/** Reads an exported test case file (or a bare document) into a draft. */
function draftFromFile(text: string, current: Draft): Draft {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('This file is not JSON. Choose a file exported from a test case.');
  }
  if (!parsed || typeof parsed !== 'object') throw new Error('This file does not hold a test case.');
  const file = parsed as Record<string, unknown>;
  const doc = (file.document && typeof file.document === 'object' ? file.document : file) as Record<string, unknown>;
  if (!Array.isArray(doc.steps)) throw new Error('This file does not hold a test case: it has no steps.');
  const str = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);
  return {
    name: str(file.name, current.name),
    description: str(file.description, current.description),
    tags: Array.isArray(file.tags) ? file.tags.filter((t): t is string => typeof t === 'string') : current.tags,
    userinterface: str(doc.userinterface, current.userinterface),
    timeout_s: typeof doc.timeout_s === 'number' ? doc.timeout_s : current.timeout_s,
    steps: withUids(doc.steps as TestStep[]),
  };
}

function download(name: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function fileName(name: string): string {
  return `${(name.trim() || 'test-case').replace(/[^\w.-]+/g, '-')}.testcase.json`;
}

function stepNumber(path: StepPath): string {
  return path.map((i) => i + 1).join('.');
}

function BackLink() {
  return (
    <Link to="/tests" className="back-link">
      <Icon name="left" size={16} /> All test cases
    </Link>
  );
}

interface EditorProps {
  saved: TestCase | null;
  onSaved: (tc: TestCase) => void;
}

function Editor({ saved, onSaved }: EditorProps) {
  const toast = useToast();
  // Viewers read the test case: the form shows it, nothing in it can be changed or run.
  const canEdit = useCan('tester');
  const { state } = useLiveStore();
  const [remembered] = usePreference(USERINTERFACE_KEY, DEFAULT_USERINTERFACE);
  const [draft, setDraft] = useState<Draft>(() => (saved ? draftOf(saved) : EMPTY));
  const [baseline, setBaseline] = useState(() => JSON.stringify(bodyOf(saved ? draftOf(saved) : EMPTY)));
  const [saving, setSaving] = useState(false);
  const [banner, setBanner] = useState<{ message: string; uid?: string; conflict?: boolean } | null>(null);
  const [fieldError, setFieldError] = useState<{ field: string; message: string } | null>(null);
  const [stepErrors, setStepErrors] = useState<StepProblem[]>([]);
  const [dialog, setDialog] = useState<'run' | 'delete' | null>(() =>
    canEdit && saved && new URLSearchParams(window.location.search).get('run') === '1' ? 'run' : null,
  );
  const fileInput = useRef<HTMLInputElement>(null);
  useDocumentTitle(draft.name.trim() || 'New test case');

  const dirty = JSON.stringify(bodyOf(draft)) !== baseline;
  useUnsavedGuard(dirty, LEAVE_WARNING);

  // `?run=1` (from "Save and run" on a new test case) opens the run dialog once.
  useEffect(() => {
    if (window.location.search.includes('run=1')) window.history.replaceState(null, '', window.location.pathname);
  }, []);

  // A page change asked for right after a save waits for the guard to be gone.
  const navigateWhenSaved = useNavigateWhenSaved(dirty);

  const uis = useLoad((signal) => navApi.userinterfaces(signal), []);
  const tags = useLoad((signal) => testingApi.tags(signal), []);
  const ui = uis.data?.find((u) => u.name === draft.userinterface) ?? null;

  // A new test case starts on the userinterface used last.
  if (!saved && uis.data && !draft.userinterface) {
    const pick = uis.data.find((u) => u.name === remembered) ?? uis.data[0];
    if (pick) {
      setDraft((d) => (d.userinterface ? d : { ...d, userinterface: pick.name }));
      setBaseline(JSON.stringify(bodyOf({ ...EMPTY, userinterface: pick.name })));
    }
  }

  const treeId = ui?.tree_id ?? null;
  const tree = useLoad((signal) => (treeId === null ? Promise.resolve(null) : navApi.tree(treeId, signal)), [treeId]);
  const references = useLoad(
    (signal) => (draft.userinterface ? testingApi.references(draft.userinterface, signal) : Promise.resolve([])),
    [draft.userinterface],
  );

  const nodes: NodeChoice[] | null = useMemo(() => {
    if (!tree.data) return null;
    return tree.data.nodes.filter((n) => n.type !== 'entry').map((n) => ({ id: n.id, label: n.label }));
  }, [tree.data]);

  const devices = sortedDevices(state);
  const keys = useMemo(() => {
    const all = new Set<string>(PAD_KEYS);
    (devices ?? []).forEach((d) => d.remote?.keys.forEach((k) => all.add(k)));
    return [...all];
  }, [devices]);

  const clearError = useCallback((uid: string) => {
    setStepErrors((errors) => errors.filter((e) => e.uid !== uid));
    setBanner((b) => (b && b.uid === uid ? null : b));
  }, []);

  const context: StepEditorContextValue = {
    userinterface: draft.userinterface,
    nodes: draft.userinterface ? (tree.error ? [] : nodes) : null,
    nodesError: draft.userinterface && tree.error ? tree.error : uis.data && draft.userinterface && !ui ? `“${draft.userinterface}” does not exist` : null,
    references: references.data,
    referencesError: references.error,
    keys,
    errors: stepErrors,
    clearError,
  };

  const setSteps = (fn: (steps: TestStep[]) => TestStep[]) => setDraft((d) => ({ ...d, steps: fn(d.steps) }));
  const edits: StepEdits = {
    update: (path, step) => setSteps((s) => updateStep(s, path, step)),
    remove: (path) => setSteps((s) => removeStep(s, path)),
    move: (path, delta) => setSteps((s) => moveStep(s, path, delta)),
    insert: (parent, index, step) => setSteps((s) => insertStep(s, parent, index, step)),
  };

  const showFailure = (err: unknown) => {
    if (err instanceof ApiError && err.status === 400) {
      // The server lists every problem (`problems`); each goes on its step or field at once.
      const listed = Array.isArray(err.body.problems)
        ? (err.body.problems as { path?: unknown; message?: unknown }[])
            .filter((p) => typeof p.path === 'string' && typeof p.message === 'string')
            .map((p) => `${p.path as string}: ${p.message as string}`)
        : [];
      const places = (listed.length > 0 ? listed : [err.message]).map(parsePlaceError);
      const onSteps: StepProblem[] = [];
      let firstPath: number[] | null = null;
      let field: { field: string; message: string } | null = null;
      let unplaced: string | null = null;
      for (const place of places) {
        if (place?.path) {
          const uid = stepAt(draft.steps, place.path)?.uid;
          if (uid) {
            onSteps.push({ uid, field: place.field, message: place.message });
            firstPath ??= place.path;
            continue;
          }
        } else if (place && ['name', 'description', 'tags', 'userinterface', 'timeout_s', 'steps'].includes(place.field.replace(/\[\d+\]$/, ''))) {
          field ??= { field: place.field.replace(/\[\d+\]$/, ''), message: place.message };
          continue;
        }
        unplaced ??= place ? `${place.field}: ${place.message}` : err.message;
      }
      if (onSteps.length > 0 || field) {
        setStepErrors(onSteps);
        if (field) setFieldError(field);
        const first = onSteps[0];
        if (first && firstPath) {
          const more = onSteps.length > 1 ? ` (${onSteps.length} problems in all, each shown on its step)` : '';
          setBanner({ message: `Step ${stepNumber(firstPath)}: ${first.message}${more}`, uid: first.uid });
          window.setTimeout(() => revealInPage(document.getElementById(`step-${first.uid}`), { smooth: true }), 0);
        }
        if (unplaced) setBanner({ message: unplaced });
        return;
      }
    }
    if (err instanceof ApiError && err.code === 'name_taken') {
      setFieldError({ field: 'name', message: err.message });
      return;
    }
    const conflict = err instanceof ApiError && err.code === 'stale_version';
    setBanner({ message: errorMessage(err), conflict });
  };

  const save = async (options: { force?: boolean; thenRun?: boolean } = {}): Promise<TestCase | null> => {
    if (!draft.name.trim()) {
      setFieldError({ field: 'name', message: 'Give the test case a name.' });
      return null;
    }
    setSaving(true);
    setBanner(null);
    setFieldError(null);
    setStepErrors([]);
    const body = bodyOf(draft);
    try {
      const result = saved
        ? await testingApi.updateTestcase(saved.id, options.force ? body : { ...body, base_version: saved.version })
        : await testingApi.createTestcase(body);
      setBaseline(JSON.stringify(body));
      onSaved(result);
      toast.show(`Saved “${result.name}”${saved ? ` (version ${result.version})` : ''}`, 'info');
      // A new test case moves to its own address; "Save and run" opens the run dialog there.
      if (!saved) navigateWhenSaved(`/tests/${result.id}${options.thenRun ? '?run=1' : ''}`);
      return result;
    } catch (err) {
      showFailure(err);
      return null;
    } finally {
      setSaving(false);
    }
  };

  const runNow = async () => {
    if (dirty || !saved) {
      const result = await save({ thenRun: true });
      if (!result || !saved) return;
    }
    setDialog('run');
  };

  const exportFile = () => {
    const body = bodyOf(draft);
    const file = { name: body.name, description: body.description ?? '', tags: body.tags, schema: 1, userinterface: body.userinterface, timeout_s: body.timeout_s, steps: body.steps };
    download(fileName(draft.name), `${JSON.stringify(file, null, 2)}\n`);
  };

  const importFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      const next = draftFromFile(await file.text(), draft);
      setDraft(next);
      setStepErrors([]);
      setBanner(null);
      toast.show(`Read ${countSteps(next.steps)} steps from ${file.name}. Save to keep them.`, 'info');
    } catch (err) {
      toast.show(errorMessage(err));
    }
  };

  const id = saved?.id ?? null;
  const fieldProblem = (field: string) => (fieldError?.field === field ? fieldError.message : null);

  return (
    <div className="stack testcase-editor">
      <div className="device-head">
        <BackLink />
        <div className="page-head-row">
          <div className="device-title-row">
            <h1 data-testid="testcase-title">{draft.name.trim() || 'New test case'}</h1>
            {saved ? <span className="badge badge-muted">Version {saved.version}</span> : null}
            {dirty ? (
              <span className="badge badge-warn unsaved-badge" data-testid="unsaved">
                <span className="badge-dot" /> Unsaved changes
              </span>
            ) : saved ? (
              <span className="muted small">Saved {formatDateTime(saved.updated_at)}</span>
            ) : null}
          </div>
          {canEdit ? null : (
            <div className="head-actions">
              <ReadOnlyNote what="running and editing tests" />
              <MenuButton
                items={[
                  ...(id !== null
                    ? [{ label: 'Runs of this test case', icon: 'runs', onSelect: () => navigate(`/runs?testcase_id=${id}`) }]
                    : []),
                  { label: 'Export JSON file', icon: 'download', onSelect: exportFile, testId: 'export' },
                ]}
              />
            </div>
          )}
          {canEdit ? (
            <div className="head-actions">
              <button type="button" className="button" onClick={() => void runNow()} disabled={saving} data-testid="editor-run">
                <Icon name="play" size={14} /> {dirty || !saved ? 'Save and run' : 'Run'}
              </button>
              <button type="button" className="button button-primary" onClick={() => void save()} disabled={saving || (!dirty && saved !== null)} data-testid="save">
                <Icon name="check" size={14} /> {saving ? 'Saving…' : 'Save'}
              </button>
              <MenuButton
                items={[
                  ...(id !== null
                    ? [
                        {
                          label: 'Duplicate',
                          icon: 'copy',
                          onSelect: () => {
                            void testingApi.duplicateTestcase(id).then(
                              (copy) => {
                                toast.show(`Duplicated as “${copy.name}”`, 'info');
                                navigate(`/tests/${copy.id}`);
                              },
                              (err: unknown) => toast.show(errorMessage(err)),
                            );
                          },
                        },
                        { label: 'Runs of this test case', icon: 'runs', onSelect: () => navigate(`/runs?testcase_id=${id}`) },
                      ]
                    : []),
                  { label: 'Export JSON file', icon: 'download', onSelect: exportFile, testId: 'export' },
                  { label: 'Import JSON file…', icon: 'upload', onSelect: () => fileInput.current?.click(), testId: 'import' },
                  ...(id !== null ? [{ label: 'Delete', icon: 'trash', danger: true, onSelect: () => setDialog('delete') }] : []),
                ]}
              />
              <input
                ref={fileInput}
                type="file"
                accept="application/json,.json"
                hidden
                onChange={(e) => {
                  void importFile(e.target.files?.[0]);
                  e.target.value = '';
                }}
                data-testid="import-file"
              />
            </div>
          ) : null}
        </div>
      </div>

      {banner ? (
        <Banner tone="danger">
          <span data-testid="save-error">
            <strong>Not saved.</strong> {banner.message}
          </span>
          {banner.uid ? (
            <>
              {' '}
              <button
                type="button"
                className="link-button"
                onClick={() => revealInPage(document.getElementById(`step-${banner.uid}`), { smooth: true })}
              >
                Show the step
              </button>
            </>
          ) : null}
          {banner.conflict ? (
            <div className="conflict-choices banner-actions">
              <button type="button" className="button button-sm button-danger" onClick={() => void save({ force: true })}>
                Overwrite with mine
              </button>
              <button type="button" className="button button-sm" onClick={() => window.location.reload()}>
                Reload theirs (drops my changes)
              </button>
            </div>
          ) : null}
        </Banner>
      ) : null}

      <fieldset className="read-only-fieldset" disabled={!canEdit}>
      <section className="panel" aria-labelledby="details-title">
        <div className="panel-head">
          <h2 id="details-title" className="panel-title">
            <Icon name="edit" size={16} /> Details
          </h2>
        </div>
        <div className="details-grid">
          <label className="field span-2">
            <span className="field-label">Name</span>
            <input
              className="input"
              value={draft.name}
              onChange={(e) => {
                setDraft({ ...draft, name: e.target.value });
                if (fieldError?.field === 'name') setFieldError(null);
              }}
              placeholder="e.g. Open Wi-Fi settings"
              aria-invalid={fieldProblem('name') ? true : undefined}
              autoFocus={!saved}
              maxLength={128}
              data-testid="testcase-name"
            />
            {fieldProblem('name') ? <span className="form-error">{fieldProblem('name')}</span> : null}
          </label>
          <label className="field">
            <span className="field-label">Userinterface</span>
            <select
              className="input select"
              value={draft.userinterface}
              onChange={(e) => setDraft({ ...draft, userinterface: e.target.value })}
              aria-invalid={fieldProblem('userinterface') ? true : undefined}
              data-testid="testcase-ui"
            >
              <option value="">None (no “Go to”, no named references)</option>
              {(uis.data ?? []).map((u) => (
                <option key={u.id} value={u.name}>
                  {u.name}
                </option>
              ))}
              {draft.userinterface && uis.data && !ui ? <option value={draft.userinterface}>{draft.userinterface} (missing)</option> : null}
            </select>
            {uis.error ? <span className="form-error">Userinterfaces could not be loaded: {uis.error}</span> : null}
            {fieldProblem('userinterface') ? <span className="form-error">{fieldProblem('userinterface')}</span> : null}
          </label>
          <label className="field">
            <span className="field-label">Run timeout</span>
            <span className="input-with-unit">
              <input
                className="input"
                type="number"
                min={1}
                max={86400}
                value={draft.timeout_s}
                onChange={(e) => setDraft({ ...draft, timeout_s: Math.max(0, Math.round(Number(e.target.value) || 0)) })}
                aria-invalid={fieldProblem('timeout_s') ? true : undefined}
                data-testid="testcase-timeout"
              />
              <span className="muted">s</span>
            </span>
            {fieldProblem('timeout_s') ? <span className="form-error">{fieldProblem('timeout_s')}</span> : null}
          </label>
          <label className="field span-2">
            <span className="field-label">Description</span>
            <textarea
              className="input"
              rows={2}
              value={draft.description}
              onChange={(e) => setDraft({ ...draft, description: e.target.value })}
              placeholder="What this test proves (optional)"
              data-testid="testcase-description"
            />
          </label>
          <div className="field span-2">
            <span className="field-label">Tags</span>
            <ChipsInput
              values={draft.tags}
              onChange={(next) => setDraft({ ...draft, tags: next })}
              suggestions={(tags.data ?? []).map((t) => t.tag)}
              placeholder="smoke, settings… (Enter adds)"
              normalize={(t) => t.trim().toLowerCase()}
              label="Tags"
              listId="tag-suggestions"
              invalid={Boolean(fieldProblem('tags'))}
              testId="testcase-tags"
            />
            {fieldProblem('tags') ? <span className="form-error">{fieldProblem('tags')}</span> : null}
          </div>
        </div>
      </section>

      <section className="panel" aria-labelledby="steps-title">
        <div className="panel-head">
          <h2 id="steps-title" className="panel-title">
            <Icon name="tests" size={16} /> Steps <span className="count">{countSteps(draft.steps)}</span>
          </h2>
          <span className="muted small">Run in order; a failed step stops the run unless it continues on failure.</span>
        </div>
        {fieldProblem('steps') ? <p className="form-error">{fieldProblem('steps')}</p> : null}
        {draft.steps.length === 0 ? (
          <p className="muted small steps-empty">
            No step yet. Start with <strong>Go to</strong> to bring the device to a screen, then <strong>Verify</strong> what it shows.
          </p>
        ) : null}
        <StepEditorContext.Provider value={context}>
          <StepList steps={draft.steps} parent={[]} edits={edits} />
        </StepEditorContext.Provider>
      </section>
      </fieldset>

      {dialog === 'run' && saved && canEdit ? (
        <RunDialog
          what={saved.name}
          onClose={() => setDialog(null)}
          start={async (target) => {
            const run = await testingApi.startRun({ testcase_id: saved.id, target, started_by: startedByMe() });
            return `/runs/${run.id}`;
          }}
        />
      ) : null}
      {dialog === 'delete' && saved ? (
        <ConfirmDialog
          title={`Delete “${saved.name}”?`}
          confirmLabel="Delete"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await testingApi.deleteTestcase(saved.id);
            setBaseline(JSON.stringify(bodyOf(draft)));
            toast.show(`Deleted “${saved.name}”`, 'info');
            navigateWhenSaved('/tests');
          }}
        >
          <p>Its runs and their reports stay. A campaign that lists it must drop it first.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

export function TestCaseEditorPage({ params }: PageProps) {
  const isNew = !params.id;
  const id = Number(params.id);
  const [saved, setSaved] = useState<TestCase | null>(null);
  const [requestError, setRequestError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  // A new request (another id, "Try again") hides the last one's error.
  const request = `${isNew}\n${id}\n${attempt}`;
  const [errorOf, setErrorOf] = useState(request);
  if (errorOf !== request) {
    setErrorOf(request);
    setRequestError(null);
  }
  const error = !isNew && !Number.isInteger(id) ? new ApiError(404, 'not_found', 'Not found.') : requestError;

  useEffect(() => {
    if (isNew || !Number.isInteger(id)) return;
    const controller = new AbortController();
    testingApi.testcase(id, controller.signal).then(setSaved, (err: unknown) => {
      if (!controller.signal.aborted) setRequestError(err);
    });
    return () => controller.abort();
  }, [isNew, id, attempt]);

  if (isNew) return <Editor saved={null} onSaved={setSaved} />;
  if (saved) return <Editor key={saved.id} saved={saved} onSaved={setSaved} />;
  const failure = pageLoadFailure(error, {
    what: 'test case',
    notFoundMessage: `There is no test case ${params.id}. It may have been deleted.`,
    onRetry: () => setAttempt((n) => n + 1),
  });
  return (
    <PageLoader back={<BackLink />} failure={failure} heading={<Skeleton height={30} width={320} />}>
      <div className="panel skeleton-card">
        <Skeleton height={18} width="20%" />
        <Skeleton height={34} />
        <Skeleton height={34} width="60%" />
      </div>
      <div className="panel skeleton-card tall">
        <Skeleton height={18} width="15%" />
        <Skeleton height={64} />
        <Skeleton height={64} />
      </div>
    </PageLoader>
  );
}
