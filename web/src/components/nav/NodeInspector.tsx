// The selected node: what it is called, its screenshot, its verifications, and "Go here".

import { useState } from 'react';
import type { NavNode, NavVerification, NodeType, PassMode } from '../../api/nav';
import type { Reference } from '../../api/types';
import { ID_PATTERN } from '../../lib/navTree';
import { Icon } from '../Icon';
import { VerificationEditor } from './VerificationEditor';

interface NodeInspectorProps {
  node: NavNode;
  takenIds: Set<string>;
  userinterface: string;
  references: Reference[] | null;
  referencesError: string | null;
  readOnly: boolean;
  /** The node exists in the saved tree (a screenshot can be attached). */
  saved: boolean;
  thumbStamp: number;
  onChange: (patch: Partial<NavNode>) => void;
  onRename: (newId: string) => void;
  onDelete: () => void;
  /** The user's role may send devices to nodes ("Go here" is left out otherwise). */
  canRun: boolean;
  /** Why "Go here" cannot run now, or null when it can. */
  goBlocked: string | null;
  onGo: () => void;
  screenshotBlocked: string | null;
  takingScreenshot: boolean;
  onScreenshot: () => void;
}

export function NodeInspector(props: NodeInspectorProps) {
  const { node, takenIds, userinterface, references, referencesError, readOnly, saved, thumbStamp } = props;
  const { onChange, onRename, onDelete, canRun, goBlocked, onGo, screenshotBlocked, takingScreenshot, onScreenshot } = props;
  const fixed = node.id === 'entry' || node.id === 'home';
  const [idDraft, setIdDraft] = useState(node.id);
  // Another node (or this one renamed) starts the id field again from its id.
  const [draftFor, setDraftFor] = useState(node.id);
  if (draftFor !== node.id) {
    setDraftFor(node.id);
    setIdDraft(node.id);
  }
  const idError =
    idDraft === node.id
      ? null
      : !ID_PATTERN.test(idDraft)
        ? 'Letters, digits, “-”, “_” and “.” only.'
        : takenIds.has(idDraft)
          ? 'Another node has this id.'
          : null;
  const shot = node.screenshot_url ? `${node.screenshot_url}${node.screenshot_url.includes('?') ? '&' : '?'}v=${thumbStamp}` : null;

  return (
    <div className="inspector" data-testid="node-inspector">
      <div className="inspector-head">
        <div>
          <div className="inspector-kicker">{node.type === 'entry' ? 'Entry node' : node.type === 'menu' ? 'Menu' : 'Screen'}</div>
          <h3 className="inspector-title">{node.label || node.id}</h3>
        </div>
        {canRun ? (
          <button type="button" className="button button-primary" onClick={onGo} disabled={goBlocked !== null} title={goBlocked ?? `Take the device to ${node.label}`} data-testid="go-here">
            <Icon name="target" size={15} /> Go here
          </button>
        ) : null}
      </div>
      {canRun && goBlocked ? <p className="muted small">{goBlocked}</p> : null}

      {node.type !== 'entry' ? (
        <div className="inspector-shot">
          {shot ? <img src={shot} alt={`Screenshot of ${node.label}`} /> : <div className="inspector-shot-empty">No screenshot yet</div>}
          {!readOnly ? (
            <button type="button" className="button button-sm" onClick={onScreenshot} disabled={screenshotBlocked !== null || takingScreenshot || !saved} title={screenshotBlocked ?? 'Use the docked device’s current picture'}>
              <Icon name="camera" size={14} /> {takingScreenshot ? 'Taking…' : 'Take from device'}
            </button>
          ) : null}
          {!readOnly && !saved ? <p className="muted small">Save the tree first, then take this node’s screenshot.</p> : null}
          {!readOnly && saved && screenshotBlocked ? <p className="muted small">{screenshotBlocked}</p> : null}
        </div>
      ) : (
        <p className="muted small">Where a device in an unknown state starts. Edges from here get it to a known screen.</p>
      )}

      <div className="form-grid">
        <label className="field">
          <span className="field-label">Label</span>
          <input className="input" value={node.label} disabled={readOnly} onChange={(e) => onChange({ label: e.target.value })} data-testid="node-label" />
        </label>
        <label className="field">
          <span className="field-label">Id</span>
          <input
            className="input mono"
            value={idDraft}
            disabled={readOnly || fixed}
            aria-invalid={idError ? 'true' : undefined}
            onChange={(e) => setIdDraft(e.target.value.trim())}
            onBlur={() => (idError || idDraft === node.id ? setIdDraft(node.id) : onRename(idDraft))}
            onKeyDown={(e) => {
              if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
            }}
            title={fixed ? 'The entry and home nodes keep their ids' : undefined}
          />
          {idError ? <span className="form-error">{idError}</span> : null}
        </label>
        {node.type !== 'entry' ? (
          <>
            <label className="field">
              <span className="field-label">Type</span>
              <select className="input select" value={node.type} disabled={readOnly} onChange={(e) => onChange({ type: e.target.value as NodeType })}>
                <option value="menu">Menu</option>
                <option value="screen">Screen</option>
              </select>
            </label>
            <label className="field">
              <span className="field-label">Wait for verifications (ms)</span>
              <input
                className="input"
                type="number"
                min={0}
                max={60000}
                step={100}
                value={node.timeout_ms ?? 2000}
                disabled={readOnly}
                onChange={(e) => onChange({ timeout_ms: Math.max(0, Math.min(60000, Number(e.target.value) || 0)) })}
              />
            </label>
          </>
        ) : null}
      </div>

      {node.type !== 'entry' ? (
        <VerificationEditor
          verifications={node.verifications ?? []}
          pass={node.pass ?? 'all'}
          references={references}
          referencesError={referencesError}
          userinterface={userinterface}
          readOnly={readOnly}
          onChange={(verifications: NavVerification[]) => onChange({ verifications })}
          onPass={(pass: PassMode) => onChange({ pass })}
        />
      ) : null}

      {!readOnly && !fixed ? (
        <button type="button" className="button button-sm inspector-delete" onClick={onDelete}>
          <Icon name="trash" size={14} /> Delete node and its edges
        </button>
      ) : null}
    </div>
  );
}
