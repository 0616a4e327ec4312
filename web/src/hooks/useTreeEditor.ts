// The tree being edited: the saved version, the draft, and an undo history of the draft.

import { useCallback, useMemo, useReducer } from 'react';
import type { NavEdge, NavNode, Point, Tree, TreeDocument } from '../api/nav';
import { sameDocument } from '../lib/navTree';

const MAX_UNDO = 100;

interface EditorState {
  /** The tree as last loaded or saved (with version and metrics). */
  saved: Tree | null;
  draft: TreeDocument;
  past: TreeDocument[];
  /** A version saved elsewhere while we had unsaved edits (saving will be refused), or null. */
  newerVersion: number | null;
}

type EditorAction =
  | { type: 'loaded'; tree: Tree; keepDraft: boolean }
  | { type: 'edit'; change: (doc: TreeDocument) => TreeDocument }
  | { type: 'undo' }
  | { type: 'discard' };

function docOf(tree: Tree): TreeDocument {
  return { nodes: tree.nodes, edges: tree.edges };
}

function reducer(state: EditorState, action: EditorAction): EditorState {
  switch (action.type) {
    case 'loaded': {
      const fresh = { saved: action.tree, draft: docOf(action.tree), past: [], newerVersion: null };
      if (!action.keepDraft || !state.saved) return fresh;
      const dirty = !sameDocument(state.draft, docOf(state.saved));
      if (!dirty) return { ...fresh, past: state.past };
      if (action.tree.version === state.saved.version) return { ...state, saved: action.tree };
      // Someone saved meanwhile: keep our base (so saving says so) but take the new metrics.
      return { ...state, saved: { ...state.saved, metrics: action.tree.metrics }, newerVersion: action.tree.version };
    }
    case 'edit': {
      const next = action.change(state.draft);
      if (next === state.draft) return state;
      return { ...state, draft: next, past: [...state.past, state.draft].slice(-MAX_UNDO) };
    }
    case 'undo': {
      const previous = state.past[state.past.length - 1];
      return previous ? { ...state, draft: previous, past: state.past.slice(0, -1) } : state;
    }
    case 'discard':
      return state.saved ? { ...state, draft: docOf(state.saved), past: [] } : state;
    default:
      return state;
  }
}

export interface TreeEditor {
  saved: Tree | null;
  draft: TreeDocument;
  dirty: boolean;
  canUndo: boolean;
  newerVersion: number | null;
  /** Replaces the saved tree; `keepDraft` keeps unsaved edits (a metrics refresh). */
  load: (tree: Tree, keepDraft?: boolean) => void;
  undo: () => void;
  discard: () => void;
  addNode: (node: NavNode) => void;
  updateNode: (id: string, patch: Partial<NavNode>) => void;
  /** Renames a node; edges follow. */
  renameNode: (id: string, newId: string) => void;
  moveNodes: (moves: { id: string; position: Point }[]) => void;
  removeNode: (id: string) => void;
  addEdge: (edge: NavEdge) => void;
  updateEdge: (id: string, patch: Partial<NavEdge>) => void;
  /** Like updateEdge, from the edge as it is when the change applies (for quick successive edits). */
  updateEdgeWith: (id: string, change: (edge: NavEdge) => Partial<NavEdge>) => void;
  removeEdge: (id: string) => void;
}

export function useTreeEditor(): TreeEditor {
  const [state, dispatch] = useReducer(reducer, { saved: null, draft: { nodes: [], edges: [] }, past: [], newerVersion: null });
  const edit = useCallback((change: (doc: TreeDocument) => TreeDocument) => dispatch({ type: 'edit', change }), []);

  const actions = useMemo(
    () => ({
      load: (tree: Tree, keepDraft = false) => dispatch({ type: 'loaded', tree, keepDraft }),
      undo: () => dispatch({ type: 'undo' }),
      discard: () => dispatch({ type: 'discard' }),
      addNode: (node: NavNode) => edit((doc) => ({ ...doc, nodes: [...doc.nodes, node] })),
      updateNode: (id: string, patch: Partial<NavNode>) =>
        edit((doc) => ({ ...doc, nodes: doc.nodes.map((n) => (n.id === id ? { ...n, ...patch } : n)) })),
      renameNode: (id: string, newId: string) =>
        edit((doc) =>
          id === newId
            ? doc
            : {
                nodes: doc.nodes.map((n) => (n.id === id ? { ...n, id: newId, screenshot_url: null } : n)),
                edges: doc.edges.map((e) => ({
                  ...e,
                  source: e.source === id ? newId : e.source,
                  target: e.target === id ? newId : e.target,
                })),
              },
        ),
      moveNodes: (moves: { id: string; position: Point }[]) =>
        edit((doc) => {
          const byId = new Map(moves.map((m) => [m.id, m.position]));
          const changed = doc.nodes.some((n) => {
            const p = byId.get(n.id);
            return p && (Math.round(p.x) !== Math.round(n.position.x) || Math.round(p.y) !== Math.round(n.position.y));
          });
          if (!changed) return doc;
          return {
            ...doc,
            nodes: doc.nodes.map((n) => {
              const p = byId.get(n.id);
              return p ? { ...n, position: { x: Math.round(p.x), y: Math.round(p.y) } } : n;
            }),
          };
        }),
      removeNode: (id: string) =>
        edit((doc) => ({
          nodes: doc.nodes.filter((n) => n.id !== id),
          edges: doc.edges.filter((e) => e.source !== id && e.target !== id),
        })),
      addEdge: (edge: NavEdge) => edit((doc) => ({ ...doc, edges: [...doc.edges, edge] })),
      updateEdge: (id: string, patch: Partial<NavEdge>) =>
        edit((doc) => ({ ...doc, edges: doc.edges.map((e) => (e.id === id ? { ...e, ...patch } : e)) })),
      updateEdgeWith: (id: string, change: (edge: NavEdge) => Partial<NavEdge>) =>
        edit((doc) => ({ ...doc, edges: doc.edges.map((e) => (e.id === id ? { ...e, ...change(e) } : e)) })),
      removeEdge: (id: string) => edit((doc) => ({ ...doc, edges: doc.edges.filter((e) => e.id !== id) })),
    }),
    [edit],
  );

  const dirty = useMemo(
    () => state.saved !== null && !sameDocument(state.draft, docOf(state.saved)),
    [state.draft, state.saved],
  );

  return {
    saved: state.saved,
    draft: state.draft,
    dirty,
    canUndo: state.past.length > 0,
    newerVersion: state.newerVersion,
    ...actions,
  };
}
