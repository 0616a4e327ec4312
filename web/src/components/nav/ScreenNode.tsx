// One screen of the tree on the graph: its screenshot, label, id and what proves "we are here".

import { Handle, Position } from '@xyflow/react';
import type { Node, NodeProps } from '@xyflow/react';
import { memo, useState } from 'react';
import type { NavNode } from '../../api/nav';
import { Icon } from '../Icon';

export interface ScreenNodeData extends Record<string, unknown> {
  node: NavNode;
  /** The device is on this node now. */
  current: boolean;
  /** A "Go here" is heading to this node. */
  target: boolean;
  /** Bumped after a new screenshot so the browser fetches it again. */
  thumbStamp: number;
  unsaved: boolean;
}

export type ScreenFlowNode = Node<ScreenNodeData, 'screen'>;

/** Every side can start or end an edge (the graph connects in "loose" mode). */
const SIDES: [string, Position][] = [
  ['top', Position.Top],
  ['right', Position.Right],
  ['bottom', Position.Bottom],
  ['left', Position.Left],
];

function Thumb({ url, stamp, label }: { url: string | null | undefined; stamp: number; label: string }) {
  const [failed, setFailed] = useState<string | null>(null);
  const src = url ? `${url}${url.includes('?') ? '&' : '?'}v=${stamp}` : null;
  if (!src || failed === src) {
    return (
      <div className="nav-node-thumb nav-node-thumb-empty">
        <Icon name="camera" size={18} />
        <span>No screenshot</span>
      </div>
    );
  }
  return (
    <div className="nav-node-thumb">
      <img src={src} alt={`Screenshot of ${label}`} loading="lazy" onError={() => setFailed(src)} />
    </div>
  );
}

function ScreenNodeView({ data, selected }: NodeProps<ScreenFlowNode>) {
  const { node, current, target, thumbStamp, unsaved } = data;
  const checks = node.verifications?.length ?? 0;
  const classes = ['nav-node', `nav-node-${node.type}`];
  if (selected) classes.push('selected');
  if (current) classes.push('current');
  if (target) classes.push('target');
  return (
    <div className={classes.join(' ')} data-node-id={node.id} data-testid={`node-${node.id}`}>
      {SIDES.map(([id, position]) => (
        <Handle key={id} id={id} type="source" position={position} className={`nav-handle nav-handle-${id}`} />
      ))}
      {node.type === 'entry' ? (
        <div className="nav-node-entry">
          <Icon name="power" size={18} />
          <span>{node.label || 'Entry'}</span>
        </div>
      ) : (
        <>
          <Thumb url={node.screenshot_url} stamp={thumbStamp} label={node.label} />
          <div className="nav-node-body">
            <div className="nav-node-label" title={node.label}>
              {node.label || node.id}
            </div>
            <div className="nav-node-meta">
              <span className="mono">{node.id}</span>
              <span title={checks ? `${checks} verification${checks > 1 ? 's' : ''}, ${node.pass ?? 'all'} must pass` : 'No verification: arriving always passes'}>
                <Icon name="check" size={12} /> {checks}
                {checks > 1 ? ` ${node.pass ?? 'all'}` : ''}
              </span>
            </div>
          </div>
        </>
      )}
      {current ? <span className="nav-node-flag">Device here</span> : unsaved ? <span className="nav-node-flag flag-unsaved">Unsaved</span> : null}
    </div>
  );
}

export const ScreenNode = memo(ScreenNodeView);
