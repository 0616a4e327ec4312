// Importing an exported tree: pick the file, and when its name is taken, replace or rename.

import { useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { navApi } from '../../api/nav';
import type { Userinterface } from '../../api/nav';
import { Dialog } from './Dialog';

interface ImportDialogProps {
  onImported: (ui: Userinterface) => void;
  onClose: () => void;
}

interface Parsed {
  doc: Record<string, unknown>;
  name: string;
  nodes: number;
  edges: number;
  references: number;
}

function parse(text: string): Parsed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('This file is not JSON. Choose a file exported from the Navigation page.');
  }
  if (!doc || typeof doc !== 'object' || (doc as { format?: unknown }).format !== 'vpt-tree') {
    throw new Error('This file is not an exported vpt tree (its format is not “vpt-tree”).');
  }
  const d = doc as { userinterface?: { name?: unknown }; tree?: { nodes?: unknown[]; edges?: unknown[] }; references?: unknown[] };
  return {
    doc: doc as Record<string, unknown>,
    name: typeof d.userinterface?.name === 'string' ? d.userinterface.name : '?',
    nodes: d.tree?.nodes?.length ?? 0,
    edges: d.tree?.edges?.length ?? 0,
    references: d.references?.length ?? 0,
  };
}

export function ImportDialog({ onImported, onClose }: ImportDialogProps) {
  const [parsed, setParsed] = useState<Parsed | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [newName, setNewName] = useState('');
  const [busy, setBusy] = useState(false);

  const onFile = async (file: File | undefined) => {
    setError(null);
    setConflict(false);
    setParsed(null);
    if (!file) return;
    try {
      const p = parse(await file.text());
      setParsed(p);
      setNewName(`${p.name}-copy`);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const submit = async (options: { replace?: boolean; name?: string }) => {
    if (!parsed) return;
    setBusy(true);
    setError(null);
    try {
      onImported(await navApi.importTree(parsed.doc, options));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && !options.replace) {
        setConflict(true);
        if (options.name) setError(errorMessage(err));
      } else {
        setError(errorMessage(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Import a tree"
      onClose={onClose}
      testId="import-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          {!conflict ? (
            <button type="button" className="button button-primary" disabled={!parsed || busy} onClick={() => void submit({})}>
              {busy ? 'Importing…' : 'Import'}
            </button>
          ) : null}
        </>
      }
    >
      <label className="field">
        <span className="field-label">Exported tree (.json)</span>
        <input className="input input-file" type="file" accept="application/json,.json" onChange={(e) => void onFile(e.target.files?.[0])} data-testid="import-file" />
      </label>
      {parsed ? (
        <p className="small">
          <strong>{parsed.name}</strong>: {parsed.nodes} nodes, {parsed.edges} edges, {parsed.references} references.
        </p>
      ) : null}
      {conflict && parsed ? (
        <div className="conflict" data-testid="import-conflict">
          <p>
            A userinterface named <strong>{parsed.name}</strong> already exists. Replace it (its tree, history and references), or import
            this one under another name.
          </p>
          <div className="conflict-choices">
            <button type="button" className="button button-danger" disabled={busy} onClick={() => void submit({ replace: true })}>
              Replace {parsed.name}
            </button>
            <span className="muted small">or</span>
            <input className="input input-sm" value={newName} onChange={(e) => setNewName(e.target.value)} aria-label="New name" />
            <button type="button" className="button button-primary" disabled={busy || !newName.trim()} onClick={() => void submit({ name: newName.trim() })}>
              Import as new
            </button>
          </div>
        </div>
      ) : null}
      {error ? <p className="form-error" role="alert">{error}</p> : null}
    </Dialog>
  );
}
