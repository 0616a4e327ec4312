// An edge of the tree: a curve coloured by health, labelled with its keys (and its way back).

import { BaseEdge, EdgeLabelRenderer, getBezierPath } from '@xyflow/react';
import type { Edge, EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import type { NavEdge } from '../../api/nav';
import type { EdgeHealth } from '../../lib/navTree';
import { formatActions } from '../../lib/navTree';

export type PathState = 'none' | 'running' | 'passed' | 'failed' | 'retried';

export interface ActionEdgeData extends Record<string, unknown> {
  edge: NavEdge;
  health: EdgeHealth;
  /** How this edge fares in the job on screen (a "Go here" or a validation). */
  path: PathState;
  onSelect: (id: string) => void;
}

export type ActionFlowEdge = Edge<ActionEdgeData, 'action'>;

function percent(rate: number | null): string {
  return rate === null ? 'untested' : `${Math.round(rate * 100)} %`;
}

function ActionEdgeView(props: EdgeProps<ActionFlowEdge>) {
  const { id, data, selected, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, markerEnd, markerStart } = props;
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  if (!data) return <BaseEdge id={id} path={path} />;
  const { edge, health, path: pathState } = data;
  const classes = ['nav-edge', `health-${health.health}`];
  if (pathState !== 'none') classes.push(`path-${pathState}`);
  if (selected) classes.push('selected');
  return (
    <>
      <BaseEdge id={id} path={path} className={classes.join(' ')} markerEnd={markerEnd} markerStart={markerStart} interactionWidth={18} />
      <EdgeLabelRenderer>
        <div
          className={`nav-edge-label nodrag nopan ${classes.slice(1).join(' ')}`}
          onClick={() => data.onSelect(edge.id)}
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          data-testid={`edge-${edge.id}`}
          title={`Health: forward ${percent(health.forward?.success_rate ?? null)}${edge.reverse ? `, back ${percent(health.reverse?.success_rate ?? null)}` : ''}`}
        >
          <span className="nav-edge-keys">
            <span className="nav-edge-dir" aria-label="forward">→</span> {formatActions(edge.forward)}
          </span>
          {edge.reverse ? (
            <span className="nav-edge-keys reverse">
              <span className="nav-edge-dir" aria-label="back">←</span> {formatActions(edge.reverse)}
            </span>
          ) : null}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

export const ActionEdge = memo(ActionEdgeView);
