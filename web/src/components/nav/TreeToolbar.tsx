// The bar above the graph: version, unsaved state, edit actions, validation and export.

import { Icon } from '../Icon';
import { ReadOnlyNote } from '../RoleGate';

interface TreeToolbarProps {
  version: number;
  updatedAt: string;
  dirty: boolean;
  readOnly: boolean;
  /** False for roles that may not edit or run: the edit and run buttons are left out. */
  canEdit: boolean;
  canUndo: boolean;
  onAddNode: () => void;
  onUndo: () => void;
  onDiscard: () => void;
  onSave: () => void;
  /** Why a run cannot start now, or null. */
  runBlocked: string | null;
  onValidate: () => void;
  exportUrl: string;
  exportName: string;
}

export function TreeToolbar(props: TreeToolbarProps) {
  const { version, updatedAt, dirty, readOnly, canEdit, canUndo, onAddNode, onUndo, onDiscard, onSave, runBlocked, onValidate, exportUrl, exportName } = props;
  return (
    <div className="nav-toolbar" data-testid="nav-toolbar">
      <span className="badge badge-muted" data-testid="tree-version" title={`Saved ${updatedAt}`}>
        Version {version}
      </span>
      {dirty ? (
        <span className="badge badge-warn unsaved-badge" data-testid="unsaved">
          <span className="badge-dot" /> Unsaved changes
        </span>
      ) : (
        <span className="muted small">All changes saved</span>
      )}
      <span className="toolbar-spacer" />
      {canEdit ? (
        <>
          <button type="button" className="button button-sm" onClick={onAddNode} disabled={readOnly} data-testid="add-node">
            <Icon name="plus" size={14} /> Add node
          </button>
          <button type="button" className="button button-sm" onClick={onUndo} disabled={!canUndo || readOnly} title="Undo the last edit (Ctrl+Z)" data-testid="undo">
            <Icon name="undo" size={14} /> Undo
          </button>
          <button type="button" className="button button-sm" onClick={onDiscard} disabled={!dirty || readOnly}>
            Discard
          </button>
          <button type="button" className="button button-sm button-primary" onClick={onSave} disabled={!dirty || readOnly} title="Save as a new version (Ctrl+S)" data-testid="save">
            <Icon name="check" size={14} /> Save
          </button>
          <span className="toolbar-divider" />
          <button type="button" className="button button-sm" onClick={onValidate} disabled={runBlocked !== null} title={runBlocked ?? 'Walk every edge once on the docked device'} data-testid="validate">
            <Icon name="check" size={14} /> Validate tree
          </button>
        </>
      ) : (
        <ReadOnlyNote what="editing and validating the tree" />
      )}
      <a className="button button-sm" href={exportUrl} download={exportName} title={dirty ? 'Exports the saved version' : 'Download the tree, its references and screenshots'}>
        <Icon name="download" size={14} /> Export
      </a>
    </div>
  );
}
