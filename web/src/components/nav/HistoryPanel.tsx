// Saved versions of the tree, newest first: view one on the graph, or restore it.

import { useEffect, useState } from 'react';
import { errorMessage } from '../../api/client';
import { navApi } from '../../api/nav';
import type { HistoryEntry } from '../../api/nav';
import { formatDateTime } from '../../lib/format';
import { ErrorState, Skeleton } from '../States';

interface HistoryPanelProps {
  treeId: number;
  currentVersion: number;
  viewing: number | null;
  onView: (version: number | null) => void;
  onRestore: (version: number) => void;
  /** The user's role may restore an older version. */
  canRestore: boolean;
  busy: boolean;
}

export function HistoryPanel({ treeId, currentVersion, viewing, onView, onRestore, canRestore, busy }: HistoryPanelProps) {
  const [list, setList] = useState<HistoryEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  // A new request (another tree or version, "Try again") hides the last one's error.
  const request = `${treeId}\n${currentVersion}\n${attempt}`;
  const [errorOf, setErrorOf] = useState(request);
  if (errorOf !== request) {
    setErrorOf(request);
    setError(null);
  }

  useEffect(() => {
    const controller = new AbortController();
    navApi.history(treeId, controller.signal).then(setList, (err: unknown) => {
      if (!controller.signal.aborted) setError(errorMessage(err));
    });
    return () => controller.abort();
  }, [treeId, currentVersion, attempt]);

  if (error && !list) return <ErrorState title="Could not load the history" message={error} onRetry={() => setAttempt((n) => n + 1)} />;
  if (!list) {
    return (
      <div className="history" aria-busy="true">
        <Skeleton height={44} />
        <Skeleton height={44} />
      </div>
    );
  }
  return (
    <ol className="history" data-testid="history">
      {list.map((entry) => {
        const current = entry.version === currentVersion;
        return (
          <li key={entry.version} className={`history-item${viewing === entry.version ? ' viewing' : ''}`} data-version={entry.version}>
            <div className="history-main">
              <div className="history-title">
                <span className="history-version">v{entry.version}</span>
                <span className="history-message">{entry.message || <span className="muted">No message</span>}</span>
                {current ? <span className="badge badge-good">Current</span> : null}
              </div>
              <div className="muted small">
                {formatDateTime(entry.created_at)} · {entry.node_count} nodes · {entry.edge_count} edges
              </div>
            </div>
            <div className="history-actions">
              {viewing === entry.version ? (
                <button type="button" className="button button-sm" onClick={() => onView(null)}>
                  Back to current
                </button>
              ) : (
                <button type="button" className="button button-sm" onClick={() => onView(entry.version)} disabled={current}>
                  View
                </button>
              )}
              {!current && canRestore ? (
                <button type="button" className="button button-sm" onClick={() => onRestore(entry.version)} disabled={busy}>
                  Restore
                </button>
              ) : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
