// One userinterface's tree: the graph, the inspector, the docked device and its jobs.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { jobOf, navApi } from '../../api/nav';
import type { NavJob, Point, TreeDocument, Userinterface } from '../../api/nav';
import type { Device } from '../../api/types';
import { useReferences } from '../../hooks/useReferences';
import { useNavJob } from '../../hooks/useNavJob';
import { useEditorShortcuts } from '../../hooks/useEditorShortcuts';
import { useTreeEditor } from '../../hooks/useTreeEditor';
import { useUnsavedGuard } from '../../hooks/useUnsavedGuard';
import { appendPress, edgeById, edgeIdFor, nodeById, slugId } from '../../lib/navTree';
import { usePreference } from '../../lib/preferences';
import { deviceKey, sortedDevices } from '../../store/liveState';
import { useCan } from '../../store/Auth';
import { useLiveStore } from '../../store/LiveStore';
import { Icon } from '../Icon';
import { Banner, ErrorState, Skeleton } from '../States';
import { useToast } from '../Toasts';
import type { PathState } from './ActionEdge';
import { DeviceDock } from './DeviceDock';
import { DeviceSession } from './DeviceSession';
import type { LockView } from './DeviceSession';
import { EdgeInspector } from './EdgeInspector';
import type { ActionListName } from './EdgeInspector';
import { HistoryPanel } from './HistoryPanel';
import { JobPanel } from './JobPanel';
import { NodeInspector } from './NodeInspector';
import { SaveDialog } from './SaveDialog';
import { TreeGraph } from './TreeGraph';
import { TreeToolbar } from './TreeToolbar';
import type { Selection } from './TreeGraph';
import { ValidationsList } from './ValidationsList';

type Tab = 'inspect' | 'run' | 'history' | 'validations';
const NAV_DEVICE_KEY = 'vpt.navDevice';
const LEAVE_WARNING = 'The tree has unsaved changes. Leave and lose them?';

function useNavDevices(): Device[] {
  const { state } = useLiveStore();
  const hosts = state.hosts.data;
  return (sortedDevices(state) ?? []).filter((d) => {
    const host = hosts?.[d.host];
    const online = host ? host.status === 'online' : d.status !== 'offline';
    return online && d.status !== 'offline';
  });
}

function describeChanges(saved: TreeDocument, draft: TreeDocument): string {
  const ids = (list: { id: string }[]) => new Set(list.map((x) => x.id));
  const [sn, dn, se, de] = [ids(saved.nodes), ids(draft.nodes), ids(saved.edges), ids(draft.edges)];
  const count = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).length;
  const parts = [
    [count(dn, sn), 'node added', 'nodes added'],
    [count(sn, dn), 'node removed', 'nodes removed'],
    [count(de, se), 'edge added', 'edges added'],
    [count(se, de), 'edge removed', 'edges removed'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  return parts.length ? `${parts.join(', ')}, and any edits to the rest.` : 'Edits to nodes and edges.';
}

export function TreeWorkspace({ ui }: { ui: Userinterface }) {
  const toast = useToast();
  const editor = useTreeEditor();
  const treeId = ui.tree_id;
  const [loadError, setLoadError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const references = useReferences();
  const [selection, setSelection] = useState<Selection>(null);
  const [tab, setTab] = useState<Tab>('inspect');
  const [viewing, setViewing] = useState<{ version: number; doc: TreeDocument } | null>(null);
  const [saveOpen, setSaveOpen] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [restoring, setRestoring] = useState(false);
  const [thumbStamp, setThumbStamp] = useState(() => Date.now());
  const [shooting, setShooting] = useState(false);
  const [recording, setRecording] = useState<{ edgeId: string; list: ActionListName } | null>(null);
  const [validationsKey, setValidationsKey] = useState(0);
  const [positions, setPositions] = useState<Record<string, string>>({});

  const viewCenter = useRef<(() => Point) | null>(null);
  const devices = useNavDevices();
  const [chosen, , rememberDevice] = usePreference(NAV_DEVICE_KEY, '');
  const device = devices.find((d) => deviceKey(d.host, d.id) === chosen) ?? devices[0] ?? null;
  const devKey = device ? deviceKey(device.host, device.id) : null;
  const [lock, setLock] = useState<LockView | null>(null);
  const onLockChange = useCallback((next: LockView) => setLock(next), []);

  const loadIntoEditor = editor.load;
  const reload = useCallback(
    (keepDraft: boolean) =>
      navApi.tree(treeId).then(
        (tree) => loadIntoEditor(tree, keepDraft),
        (err: unknown) => {
          if (!keepDraft) setLoadError(errorMessage(err));
        },
      ),
    [treeId, loadIntoEditor],
  );
  // A new request (another tree, "Try again") hides the last one's error.
  const request = `${treeId}\n${attempt}`;
  const [errorOf, setErrorOf] = useState(request);
  if (errorOf !== request) {
    setErrorOf(request);
    setLoadError(null);
  }
  useEffect(() => {
    void reload(false);
  }, [reload, attempt]);

  // Saves and screenshots made elsewhere (another tab, another person) show up here.
  const { subscribe } = useLiveStore();
  useEffect(
    () =>
      subscribe((raw) => {
        const event = raw as unknown as { type: string; data?: { tree_id?: number; screenshot?: string } };
        if (event.type !== 'tree.saved' || event.data?.tree_id !== treeId) return;
        if (event.data.screenshot) setThumbStamp(Date.now());
        void reload(true);
      }),
    [subscribe, treeId, reload],
  );

  const onJobFinished = useCallback(
    (job: NavJob) => {
      if (job.position) setPositions((p) => ({ ...p, [deviceKey(job.host, job.device)]: job.position as string }));
      void reload(true);
      if (job.kind === 'validate') setValidationsKey((n) => n + 1);
    },
    [reload],
  );
  const tracker = useNavJob(onJobFinished);
  const job = tracker.job;

  // Recent jobs on this tree: where devices were left, and a job still running (opened again).
  const { follow } = tracker;
  useEffect(() => {
    const controller = new AbortController();
    navApi.jobs(controller.signal).then(
      (jobs) => {
        const mine = jobs.filter((j) => j.tree_id === treeId).sort((a, b) => a.id - b.id);
        const last: Record<string, string> = {};
        for (const j of mine) if (j.position) last[deviceKey(j.host, j.device)] = j.position;
        setPositions((p) => ({ ...last, ...p }));
        const running = mine.filter((j) => j.status === 'running').pop();
        if (running) follow(running);
      },
      () => undefined,
    );
    return () => controller.abort();
  }, [treeId, follow]);

  const dirty = editor.dirty;
  useUnsavedGuard(dirty, LEAVE_WARNING);

  const saved = editor.saved;
  // Viewers look at the tree and follow jobs; editing, navigating and recording need a tester.
  const canEdit = useCan('tester');
  const readOnly = viewing !== null || !canEdit;
  // Screenshots live on the server: show the saved node's picture even on a draft copy.
  const doc = useMemo<TreeDocument>(() => {
    const shots = new Map((saved?.nodes ?? []).map((n) => [n.id, n.screenshot_url]));
    const shown = viewing ? viewing.doc : editor.draft;
    return { ...shown, nodes: shown.nodes.map((n) => ({ ...n, screenshot_url: shots.get(n.id) ?? null })) };
  }, [viewing, editor.draft, saved]);
  const savedIds = useMemo(() => new Set((saved?.nodes ?? []).map((n) => n.id)), [saved]);
  const unsavedNodes = useMemo(() => new Set(doc.nodes.filter((n) => !savedIds.has(n.id)).map((n) => n.id)), [doc.nodes, savedIds]);

  const jobOnThisDevice = job && devKey === deviceKey(job.host, job.device) && job.tree_id === treeId ? job : null;
  const position = jobOnThisDevice?.position ?? (devKey ? (positions[devKey] ?? null) : null);
  const pathStates = useMemo(() => {
    const map = new Map<string, PathState>();
    // A finished validation hands the graph back to health colours (it has just updated them).
    if (jobOnThisDevice?.kind === 'validate' && jobOnThisDevice.status !== 'running') return map;
    for (const step of jobOnThisDevice?.steps ?? []) {
      if (step.edge_id) map.set(step.edge_id, (['running', 'passed', 'failed', 'retried'].includes(step.status) ? step.status : 'none') as PathState);
    }
    return map;
  }, [jobOnThisDevice]);

  // ----- editing -----
  const select = useCallback((next: Selection) => {
    setSelection(next);
    if (next) setTab('inspect');
  }, []);

  const addNode = () => {
    const taken = new Set(editor.draft.nodes.map((n) => n.id));
    const id = slugId('new screen', taken);
    // In the middle of what is on screen (nudged off any node already there), so it is seen.
    const center = viewCenter.current?.() ?? { x: 0, y: 0 };
    const free = (p: Point) => !editor.draft.nodes.some((n) => Math.abs(n.position.x - p.x) < 210 && Math.abs(n.position.y - p.y) < 170);
    const start = { x: Math.round(center.x - 92), y: Math.round(center.y - 70) };
    let position = start;
    search: for (let ring = 1; ring < 12; ring++) {
      for (const [dx, dy] of [[1, 0], [0, 1], [-1, 0], [0, -1], [1, 1], [-1, 1], [1, -1], [-1, -1]] as const) {
        const p = { x: start.x + dx * ring * 110, y: start.y + dy * ring * 90 };
        if (free(p)) {
          position = p;
          break search;
        }
      }
    }
    if (free(start)) position = start;
    editor.addNode({ id, label: 'New screen', type: 'screen', position, verifications: [], pass: 'all', timeout_ms: 2000 });
    select({ kind: 'node', id });
  };

  const connect = useCallback(
    (source: string, target: string) => {
      const existing = editor.draft.edges.find(
        (e) => (e.source === source && e.target === target) || (e.reverse && e.source === target && e.target === source),
      );
      if (existing) {
        select({ kind: 'edge', id: existing.id });
        return;
      }
      const id = edgeIdFor(source, target, editor.draft.edges);
      editor.addEdge({ id, source, target, forward: [], reverse: null, retry: [], failure: [], wait_ms: 0, weight: 1 });
      select({ kind: 'edge', id });
      if (device?.remote) setRecording({ edgeId: id, list: 'forward' });
    },
    [editor, select, device],
  );

  const onRecorded = useCallback(
    (key: string) => {
      if (!recording) return;
      const { list } = recording;
      editor.updateEdgeWith(recording.edgeId, (edge) => ({ [list]: appendPress((list === 'reverse' ? edge.reverse : edge[list]) ?? [], key) }));
    },
    [recording, editor],
  );

  // Recording stops when its edge is no longer selected or is gone.
  if (recording && (selection?.kind !== 'edge' || selection.id !== recording.edgeId)) setRecording(null);

  const save = async (message: string) => {
    if (!saved) return;
    setSaving(true);
    setSaveError(null);
    try {
      const tree = await navApi.saveTree(treeId, editor.draft, message, saved.version);
      editor.load(tree);
      setSaveOpen(false);
      setRecording(null);
      toast.show(`Saved version ${tree.version}`, 'info');
    } catch (err) {
      setSaveError(
        err instanceof ApiError && err.status === 409
          ? `${errorMessage(err)} Someone saved this tree while you were editing: open the history to see their version, or discard your changes to load it.`
          : errorMessage(err),
      );
    } finally {
      setSaving(false);
    }
  };

  const viewVersion = (version: number | null) => {
    if (version === null) {
      setViewing(null);
      return;
    }
    navApi.historyVersion(treeId, version).then(
      (d) => {
        setViewing({ version, doc: { nodes: d.nodes, edges: d.edges } });
        setSelection(null);
      },
      (err: unknown) => toast.show(errorMessage(err)),
    );
  };

  const restore = async (version: number) => {
    if (dirty && !window.confirm('Restoring replaces your unsaved changes. Continue?')) return;
    setRestoring(true);
    try {
      const tree = await navApi.restore(treeId, version);
      editor.load(tree);
      setViewing(null);
      toast.show(`Restored version ${version} as version ${tree.version}`, 'info');
    } catch (err) {
      toast.show(errorMessage(err));
    } finally {
      setRestoring(false);
    }
  };

  const takeScreenshot = async (nodeId: string) => {
    if (!device) return;
    setShooting(true);
    try {
      await navApi.takeScreenshot(treeId, nodeId, device.host, device.id);
      await reload(true);
      setThumbStamp(Date.now());
      toast.show(`Screenshot of ${nodeId} taken from ${device.name}`, 'info');
    } catch (err) {
      toast.show(errorMessage(err));
    } finally {
      setShooting(false);
    }
  };

  useEditorShortcuts({
    enabled: !readOnly,
    recording: recording !== null,
    onUndo: editor.undo,
    onSave: () => {
      if (!dirty) return;
      setSaveError(null);
      setSaveOpen(true);
    },
    onDelete: () => {
      if (!selection) return;
      if (selection.kind === 'edge') editor.removeEdge(selection.id);
      else if (selection.id !== 'entry' && selection.id !== 'home') editor.removeNode(selection.id);
      else return;
      setSelection(null);
    },
  });

  // ----- running -----
  const otherHolder = lock?.heldByOther ? lock.heldByOther.owner : null;
  const runBlocked = !device
    ? 'Pick a device beside the graph first.'
    : otherHolder
      ? `${device.name} is controlled by ${otherHolder}. Wait until they release it.`
      : tracker.running
        ? 'A navigation is running on this device.'
        : null;

  const start = async (kind: 'goto' | 'validate', target?: string) => {
    if (!device || runBlocked) return;
    if (dirty) toast.show('Runs use the saved tree: your unsaved changes are not part of this run.', 'info');
    try {
      const answer =
        kind === 'goto'
          ? await navApi.navigate(device.host, device.id, treeId, target as string, lock?.token ?? null)
          : await navApi.validate(device.host, device.id, treeId, lock?.token ?? null);
      tracker.follow(jobOf(answer));
      setTab('run');
    } catch (err) {
      lock?.noteRefusal(err);
      toast.show(
        err instanceof ApiError && err.status === 423
          ? `${device.name} is controlled by ${typeof err.body.owner === 'string' ? err.body.owner : 'someone else'}: ${errorMessage(err)}`
          : errorMessage(err),
      );
    }
  };

  // ----- render -----
  if (loadError && !saved) {
    return <ErrorState title={`Could not load the tree of ${ui.name}`} message={loadError} onRetry={() => setAttempt((n) => n + 1)} />;
  }
  if (!saved) {
    return (
      <div className="nav-workspace" aria-busy="true">
        <div className="nav-graph nav-graph-loading">
          <Skeleton height="100%" />
        </div>
        <aside className="nav-side">
          <Skeleton height={240} />
          <Skeleton height={300} />
        </aside>
      </div>
    );
  }

  const node = selection?.kind === 'node' ? nodeById(doc, selection.id) : null;
  const edge = selection?.kind === 'edge' ? edgeById(doc, selection.id) : null;
  const keys = device?.remote?.keys ?? [];
  const recordingLabel = recording ? `${recording.edgeId} · ${recording.list === 'reverse' ? 'back' : recording.list}` : null;

  return (
    <>
      <TreeToolbar
        version={saved.version}
        updatedAt={saved.updated_at}
        dirty={dirty}
        readOnly={readOnly}
        canEdit={canEdit}
        canUndo={editor.canUndo}
        onAddNode={addNode}
        onUndo={editor.undo}
        onDiscard={() => {
          if (!window.confirm('Discard every unsaved change?')) return;
          if (editor.newerVersion !== null) void reload(false);
          else editor.discard();
        }}
        onSave={() => {
          setSaveError(null);
          setSaveOpen(true);
        }}
        runBlocked={runBlocked}
        onValidate={() => void start('validate')}
        exportUrl={navApi.exportUrl(treeId)}
        exportName={`${ui.name}.vpt-tree.json`}
      />

      {editor.newerVersion !== null && !viewing ? (
        <Banner tone="warning">
          <strong>Version {editor.newerVersion} was saved elsewhere</strong> while you were editing. Saving your changes will be
          refused; discard them to load the new version, or export yours first.
        </Banner>
      ) : null}
      {viewing ? (
        <Banner tone="warning" icon="history">
          Viewing <strong>version {viewing.version}</strong> (read-only).{' '}
          {canEdit ? (
            <>
              <button type="button" className="link-button" onClick={() => void restore(viewing.version)} disabled={restoring}>
                Restore it
              </button>{' '}
              or{' '}
            </>
          ) : null}
          <button type="button" className="link-button" onClick={() => setViewing(null)}>
            {canEdit ? 'go back to the current version' : 'Back to the current version'}
          </button>
          .
        </Banner>
      ) : null}

      <div className="nav-workspace">
        <TreeGraph
          doc={doc}
          metrics={saved.metrics ?? []}
          unsavedNodes={viewing ? new Set() : unsavedNodes}
          selection={selection}
          onSelect={select}
          readOnly={readOnly}
          currentNode={position}
          targetNode={jobOnThisDevice?.status === 'running' ? jobOnThisDevice.target : null}
          pathStates={pathStates}
          thumbStamp={thumbStamp}
          onMove={editor.moveNodes}
          onConnect={connect}
          fitKey={`${treeId}:${viewing?.version ?? 'draft'}`}
          centerRef={viewCenter}
        />
        <aside className="nav-side">
          {device && !canEdit ? (
            <DeviceDock
              devices={devices}
              device={device}
              onChoose={rememberDevice}
              lock={null}
              me=""
              controlsDisabled
              canControl={false}
              onPress={() => undefined}
              flash={null}
              recordingInto={null}
              onStopRecording={() => undefined}
              position={position}
            />
          ) : device ? (
            <DeviceSession
              key={devKey}
              devices={devices}
              device={device}
              onChoose={rememberDevice}
              onLockChange={onLockChange}
              onRecorded={recording ? onRecorded : null}
              recordingInto={recordingLabel}
              onStopRecording={() => setRecording(null)}
              position={position}
              keyboardEnabled={recording !== null}
            />
          ) : (
            <DeviceDock devices={[]} device={null} onChoose={rememberDevice} lock={null} me="" controlsDisabled onPress={() => undefined} flash={null} recordingInto={null} onStopRecording={() => undefined} position={null} />
          )}

          <section className="panel nav-tabs-panel">
            <div className="tabs" role="tablist">
              {(
                [
                  ['inspect', 'Selected'],
                  ['run', 'Run'],
                  ['history', 'History'],
                  ['validations', 'Validations'],
                ] as [Tab, string][]
              ).map(([id, label]) => (
                <button key={id} type="button" role="tab" aria-selected={tab === id} className="tab" onClick={() => setTab(id)} data-testid={`tab-${id}`}>
                  {label}
                  {id === 'run' && tracker.running ? <span className="tab-dot" /> : null}
                </button>
              ))}
            </div>

            {tab === 'inspect' ? (
              node ? (
                <NodeInspector
                  key={node.id}
                  node={node}
                  takenIds={new Set(doc.nodes.map((n) => n.id))}
                  userinterface={ui.name}
                  references={references.data}
                  referencesError={references.error}
                  readOnly={readOnly}
                  saved={savedIds.has(node.id)}
                  thumbStamp={thumbStamp}
                  onChange={(patch) => editor.updateNode(node.id, patch)}
                  onRename={(newId) => {
                    editor.renameNode(node.id, newId);
                    setSelection({ kind: 'node', id: newId });
                  }}
                  onDelete={() => {
                    editor.removeNode(node.id);
                    setSelection(null);
                  }}
                  canRun={canEdit}
                  goBlocked={readOnly ? 'Go back to the current version to run it.' : !savedIds.has(node.id) ? 'Save the tree before going to a new node.' : runBlocked}
                  onGo={() => void start('goto', node.id)}
                  screenshotBlocked={!device ? 'Pick a device to take the screenshot from.' : null}
                  takingScreenshot={shooting}
                  onScreenshot={() => void takeScreenshot(node.id)}
                />
              ) : edge ? (
                <EdgeInspector
                  key={edge.id}
                  edge={edge}
                  source={nodeById(doc, edge.source)}
                  target={nodeById(doc, edge.target)}
                  metrics={saved.metrics ?? []}
                  keys={keys}
                  readOnly={readOnly}
                  recording={recording?.edgeId === edge.id ? recording.list : null}
                  onToggleRecord={
                    canEdit && device?.remote && !otherHolder
                      ? (list) => setRecording((r) => (r?.edgeId === edge.id && r.list === list ? null : { edgeId: edge.id, list }))
                      : null
                  }
                  onChange={(patch) => editor.updateEdge(edge.id, patch)}
                  onDelete={() => {
                    editor.removeEdge(edge.id);
                    setSelection(null);
                  }}
                />
              ) : (
                <div className="inspector-empty">
                  <Icon name="target" size={22} />
                  {canEdit ? (
                    <p>
                      Click a node to edit it or send the device there. Click an edge to edit its keys. Drag from the dot on a
                      node’s side to another node to connect them.
                    </p>
                  ) : (
                    <p>Click a node or an edge to see how it is set up: its verifications, keys and timings.</p>
                  )}
                </div>
              )
            ) : null}

            {tab === 'run' ? (
              job ? (
                <JobPanel job={job} canCancel={canEdit} error={tracker.error} targetLabel={nodeById(doc, job.target)?.label ?? null} onCancel={() => void tracker.cancel()} onClose={tracker.clear} onSelectEdge={(id) => setSelection({ kind: 'edge', id })} />
              ) : (
                <div className="inspector-empty">
                  <Icon name="target" size={22} />
                  {canEdit ? (
                    <p>Select a node and choose <strong>Go here</strong>, or <strong>Validate tree</strong>, to follow the device live.</p>
                  ) : (
                    <p>A navigation someone starts on the docked device shows up here, step by step.</p>
                  )}
                </div>
              )
            ) : null}

            {tab === 'history' ? (
              <HistoryPanel treeId={treeId} canRestore={canEdit} currentVersion={saved.version} viewing={viewing?.version ?? null} onView={viewVersion} onRestore={(v) => void restore(v)} busy={restoring} />
            ) : null}

            {tab === 'validations' ? <ValidationsList treeId={treeId} refreshKey={validationsKey} onSelectEdge={(id) => setSelection({ kind: 'edge', id })} /> : null}
          </section>
        </aside>
      </div>

      {saveOpen ? (
        <SaveDialog
          version={saved.version}
          changes={describeChanges(saved, editor.draft)}
          busy={saving}
          error={saveError}
          onSave={(m) => void save(m)}
          onClose={() => setSaveOpen(false)}
        />
      ) : null}
    </>
  );
}
