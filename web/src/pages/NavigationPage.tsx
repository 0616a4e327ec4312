import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../api/client';
import { navApi } from '../api/nav';
import type { Userinterface } from '../api/nav';
import { Icon } from '../components/Icon';
import { ImportDialog } from '../components/nav/ImportDialog';
import { NewUserinterfaceDialog } from '../components/nav/NewUserinterfaceDialog';
import { TreeWorkspace } from '../components/nav/TreeWorkspace';
import { EmptyState, ErrorState, Skeleton } from '../components/States';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { DEFAULT_USERINTERFACE, USERINTERFACE_KEY, usePreference } from '../lib/preferences';
import { navigate } from '../lib/router';
import type { PageProps } from '../routes';
import { useCan } from '../store/Auth';
import { useLiveStore } from '../store/LiveStore';

const pathFor = (name: string) => `/navigation/${encodeURIComponent(name)}`;

export function NavigationPage({ params }: PageProps) {
  const toast = useToast();
  const wanted = params.ui ?? null;
  useDocumentTitle(wanted ? `Navigation · ${wanted}` : 'Navigation');
  const [list, setList] = useState<Userinterface[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [dialog, setDialog] = useState<'new' | 'import' | null>(null);
  const canEdit = useCan('tester');
  const [remembered, , remember] = usePreference(USERINTERFACE_KEY, DEFAULT_USERINTERFACE);
  const loadAgain = useCallback(() => {
    setError(null);
    setAttempt((n) => n + 1);
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    navApi.userinterfaces(controller.signal).then(
      (uis) => setList([...uis].sort((a, b) => a.name.localeCompare(b.name))),
      (err: unknown) => {
        if (!controller.signal.aborted) setError(errorMessage(err));
      },
    );
    return () => controller.abort();
  }, [attempt]);

  // Counts in the picker follow saves and imports made anywhere.
  const { subscribe } = useLiveStore();
  useEffect(
    () =>
      subscribe((event) => {
        const type = (event as { type: string }).type;
        if (type !== 'tree.saved' && type !== 'userinterface.changed') return;
        navApi.userinterfaces().then(
          (uis) => setList([...uis].sort((a, b) => a.name.localeCompare(b.name))),
          () => undefined,
        );
      }),
    [subscribe],
  );

  // "/navigation" opens the userinterface used last (or the first one).
  useEffect(() => {
    if (wanted || !list || list.length === 0) return;
    const pick = list.find((u) => u.name === remembered) ?? list[0];
    if (pick) navigate(pathFor(pick.name), { replace: true });
  }, [wanted, list, remembered]);

  const ui = list?.find((u) => u.name === wanted) ?? null;
  useEffect(() => {
    if (ui) remember(ui.name);
  }, [ui, remember]);

  const opened = useCallback(
    (created: Userinterface, verb: string) => {
      setDialog(null);
      toast.show(`${verb} ${created.name}`, 'info');
      loadAgain();
      navigate(pathFor(created.name));
    },
    [toast, loadAgain],
  );

  let content;
  if (error && !list) {
    content = <ErrorState title="Could not load the userinterfaces" message={error} onRetry={loadAgain} />;
  } else if (!list) {
    content = <Skeleton height={480} />;
  } else if (list.length === 0) {
    content = (
      <EmptyState icon="tree" title="No userinterface yet">
        <p>A userinterface is an app under test; its navigation tree says how to reach each of its screens.</p>
        {canEdit ? (
          <button type="button" className="button state-action" onClick={() => setDialog('new')}>
            <Icon name="plus" size={15} /> New userinterface
          </button>
        ) : null}
      </EmptyState>
    );
  } else if (wanted && !ui) {
    content = (
      <ErrorState title="No such userinterface" message={`There is no userinterface named “${wanted}”. Pick one above.`} />
    );
  } else if (ui) {
    content = <TreeWorkspace key={ui.tree_id} ui={ui} />;
  } else {
    content = <Skeleton height={480} />;
  }

  return (
    <div className="stack nav-page">
      <div className="nav-head">
        <div className="page-head">
          <h1>Navigation</h1>
          <p className="page-sub">Screens and the remote keys between them. Tests say where to go; the tree knows how.</p>
        </div>
        <div className="toolbar">
          <label className="field-inline">
            <span className="field-label">Userinterface</span>
            <select
              className="input select"
              value={ui?.name ?? ''}
              onChange={(e) => navigate(pathFor(e.target.value))}
              disabled={!list || list.length === 0}
              data-testid="nav-ui"
              title={ui?.description ?? undefined}
            >
              {!ui ? <option value="">Choose…</option> : null}
              {(list ?? []).map((u) => (
                <option key={u.id} value={u.name}>
                  {u.name} ({u.node_count} nodes)
                </option>
              ))}
            </select>
          </label>
          {canEdit ? (
            <>
              <button type="button" className="button button-sm" onClick={() => setDialog('new')}>
                <Icon name="plus" size={14} /> New
              </button>
              <button type="button" className="button button-sm" onClick={() => setDialog('import')} data-testid="import">
                <Icon name="upload" size={14} /> Import
              </button>
            </>
          ) : null}
        </div>
      </div>
      {content}
      {dialog === 'new' && canEdit ? <NewUserinterfaceDialog onCreated={(u) => opened(u, 'Created')} onClose={() => setDialog(null)} /> : null}
      {dialog === 'import' && canEdit ? <ImportDialog onImported={(u) => opened(u, 'Imported')} onClose={() => setDialog(null)} /> : null}
    </div>
  );
}
