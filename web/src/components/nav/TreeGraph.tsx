// The tree as a graph: nodes with screenshots, edges with keys, drag to move, drag handles to connect.

import { Background, ConnectionMode, Controls, MarkerType, MiniMap, ReactFlow, applyNodeChanges } from '@xyflow/react';
import type { Connection, NodeChange, ReactFlowInstance } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { EdgeMetric, Point, TreeDocument } from '../../api/nav';
import { edgeHealth, layoutNodes } from '../../lib/navTree';
import { ActionEdge } from './ActionEdge';
import type { ActionFlowEdge, PathState } from './ActionEdge';
import { ScreenNode } from './ScreenNode';
import type { ScreenFlowNode } from './ScreenNode';

export type Selection = { kind: 'node'; id: string } | { kind: 'edge'; id: string } | null;

interface TreeGraphProps {
  doc: TreeDocument;
  metrics: EdgeMetric[];
  /** Node ids not in the saved version. */
  unsavedNodes: Set<string>;
  selection: Selection;
  onSelect: (selection: Selection) => void;
  readOnly: boolean;
  currentNode: string | null;
  targetNode: string | null;
  pathStates: Map<string, PathState>;
  thumbStamp: number;
  onMove: (moves: { id: string; position: Point }[]) => void;
  onConnect: (source: string, target: string) => void;
  /** Changes whenever a different tree is shown, to fit it to the view again. */
  fitKey: string;
  /** Filled with a function giving the graph point at the middle of the visible pane. */
  centerRef: { current: (() => Point) | null };
}

const nodeTypes = { screen: ScreenNode };
/** Below this zoom, labels and keys cannot be read. */
const READABLE_ZOOM = 0.5;
const START_ZOOM = 0.6;

/** Which sides of two nodes an edge joins: facing sides, so curves do not loop around nodes. */
function sidesFor(a: Point | undefined, b: Point | undefined): [string, string] {
  if (!a || !b) return ['right', 'left'];
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  if (Math.abs(dx) >= 150 || Math.abs(dx) * 1.2 >= Math.abs(dy)) return dx >= 0 ? ['right', 'left'] : ['left', 'right'];
  return dy >= 0 ? ['bottom', 'top'] : ['top', 'bottom'];
}
const edgeTypes = { action: ActionEdge };

function minimapColor(node: ScreenFlowNode): string {
  if (node.data.current) return '#3fb96b';
  return node.selected ? '#5b8cff' : '#4a5261';
}

function prefersDark(): boolean {
  return !window.matchMedia || !window.matchMedia('(prefers-color-scheme: light)').matches;
}

export function TreeGraph(props: TreeGraphProps) {
  const { doc, metrics, unsavedNodes, selection, onSelect, readOnly, currentNode, targetNode, pathStates, thumbStamp } = props;
  const { onMove, onConnect, fitKey, centerRef } = props;
  const paneRef = useRef<HTMLDivElement>(null);
  const positions = useMemo(() => layoutNodes(doc), [doc]);

  const derivedNodes = useMemo<ScreenFlowNode[]>(
    () =>
      doc.nodes.map((node) => ({
        id: node.id,
        type: 'screen',
        position: positions.get(node.id) ?? node.position,
        selected: selection?.kind === 'node' && selection.id === node.id,
        deletable: false,
        draggable: !readOnly,
        data: {
          node,
          current: currentNode === node.id,
          target: targetNode === node.id && currentNode !== node.id,
          thumbStamp,
          unsaved: unsavedNodes.has(node.id),
        },
      })),
    [doc.nodes, positions, selection, readOnly, currentNode, targetNode, thumbStamp, unsavedNodes],
  );

  // React Flow moves nodes through changes; we keep its working copy and commit on drag end.
  const [nodes, setNodes] = useState<ScreenFlowNode[]>(derivedNodes);
  // Taken after the commit, not while rendering: handing React Flow the new nodes during the render
  // that brings them left the edges' health colours missing after a validation about half the
  // time (navigation e2e test), so the copy follows in an effect.
  // eslint-disable-next-line react-hooks/set-state-in-effect -- React Flow's copy must follow after the commit (above)
  useEffect(() => setNodes(derivedNodes), [derivedNodes]);
  const onNodesChange = useCallback(
    (changes: NodeChange<ScreenFlowNode>[]) => setNodes((list) => applyNodeChanges(changes, list)),
    [],
  );

  const selectEdge = useCallback((id: string) => onSelect({ kind: 'edge', id }), [onSelect]);
  const edges = useMemo<ActionFlowEdge[]>(
    () =>
      doc.edges.map((edge) => {
        const health = edgeHealth(edge.id, metrics);
        const color = `var(--edge-${health.health})`;
        const handles = sidesFor(positions.get(edge.source), positions.get(edge.target));
        const marker = { type: MarkerType.ArrowClosed, width: 18, height: 18, color, markerUnits: 'userSpaceOnUse' };
        return {
          id: edge.id,
          type: 'action',
          source: edge.source,
          target: edge.target,
          sourceHandle: handles[0],
          targetHandle: handles[1],
          selected: selection?.kind === 'edge' && selection.id === edge.id,
          deletable: false,
          markerEnd: marker,
          markerStart: edge.reverse ? marker : undefined,
          data: { edge, health, path: pathStates.get(edge.id) ?? 'none', onSelect: selectEdge },
        };
      }),
    [doc.edges, metrics, selection, pathStates, selectEdge, positions],
  );

  const flow = useRef<ReactFlowInstance<ScreenFlowNode, ActionFlowEdge> | null>(null);
  useEffect(() => {
    centerRef.current = () => {
      const rect = paneRef.current?.getBoundingClientRect();
      if (!flow.current || !rect) return { x: 0, y: 0 };
      return flow.current.screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 });
    };
    return () => {
      centerRef.current = null;
    };
  }, [centerRef]);
  // Fit the whole tree when it stays readable; a big tree starts at its entry corner instead
  // (the fit button of the controls still shows all of it).
  const showTree = useCallback((instance: ReactFlowInstance<ScreenFlowNode, ActionFlowEdge>, duration = 0) => {
    const rect = paneRef.current?.getBoundingClientRect();
    const all = instance.getNodes();
    if (!rect || all.length === 0) return;
    const bounds = instance.getNodesBounds(all);
    const fitZoom = Math.min(rect.width / (bounds.width * 1.3 || 1), rect.height / (bounds.height * 1.3 || 1));
    if (fitZoom >= READABLE_ZOOM) {
      void instance.fitView({ padding: 0.15, maxZoom: 1, duration });
    } else {
      void instance.setViewport(
        { x: -bounds.x * START_ZOOM + 40, y: -bounds.y * START_ZOOM + 40, zoom: START_ZOOM },
        { duration },
      );
    }
  }, []);
  useEffect(() => {
    const timer = window.setTimeout(() => {
      if (flow.current) showTree(flow.current, 200);
    }, 60);
    return () => window.clearTimeout(timer);
  }, [fitKey, showTree]);

  const handleConnect = useCallback(
    (c: Connection) => {
      if (c.source && c.target && c.source !== c.target) onConnect(c.source, c.target);
    },
    [onConnect],
  );

  return (
    <div className="nav-graph" data-testid="nav-graph" ref={paneRef}>
      <ReactFlow<ScreenFlowNode, ActionFlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onInit={(instance) => {
          flow.current = instance;
          showTree(instance);
        }}
        onNodesChange={onNodesChange}
        onNodeDragStop={(_, __, dragged) => onMove(dragged.map((n) => ({ id: n.id, position: n.position })))}
        onNodeClick={(_, node) => onSelect({ kind: 'node', id: node.id })}
        onEdgeClick={(_, edge) => onSelect({ kind: 'edge', id: edge.id })}
        onPaneClick={() => onSelect(null)}
        onConnect={handleConnect}
        nodesConnectable={!readOnly}
        connectionMode={ConnectionMode.Loose}
        nodesDraggable={!readOnly}
        elementsSelectable
        deleteKeyCode={null}
        disableKeyboardA11y
        colorMode={prefersDark() ? 'dark' : 'light'}
        minZoom={0.2}
        maxZoom={2}
        fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
      >
        <Background gap={24} size={1} />
        <MiniMap pannable zoomable nodeStrokeWidth={3} className="nav-minimap" style={{ width: 150, height: 100 }} nodeColor={minimapColor} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
