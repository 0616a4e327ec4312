// Past validations of the tree; open one to see its per-edge results.

import { useEffect, useState } from 'react';
import { errorMessage } from '../../api/client';
import { navApi } from '../../api/nav';
import type { Validation } from '../../api/nav';
import { formatDateTime } from '../../lib/format';
import { EmptyState, ErrorState, Skeleton } from '../States';
import { ValidationResults } from './ValidationResults';

interface ValidationsListProps {
  treeId: number;
  refreshKey: number;
  onSelectEdge: (edgeId: string) => void;
}

export function ValidationsList({ treeId, refreshKey, onSelectEdge }: ValidationsListProps) {
  const [list, setList] = useState<Validation[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [open, setOpen] = useState<Validation | null>(null);
  const [openError, setOpenError] = useState<string | null>(null);

  // A new request (another tree, a new validation, "Try again") hides the last one's error.
  const request = `${treeId}\n${refreshKey}\n${attempt}`;
  const [errorOf, setErrorOf] = useState(request);
  if (errorOf !== request) {
    setErrorOf(request);
    setError(null);
  }

  useEffect(() => {
    const controller = new AbortController();
    navApi.validations(treeId, controller.signal).then(setList, (err: unknown) => {
      if (!controller.signal.aborted) setError(errorMessage(err));
    });
    return () => controller.abort();
  }, [treeId, refreshKey, attempt]);

  const show = (id: number) => {
    if (open?.id === id) {
      setOpen(null);
      return;
    }
    setOpenError(null);
    navApi.validation(id).then(setOpen, (err: unknown) => setOpenError(errorMessage(err)));
  };

  if (error && !list) return <ErrorState title="Could not load past validations" message={error} onRetry={() => setAttempt((n) => n + 1)} />;
  if (!list) return <Skeleton height={44} />;
  if (list.length === 0) {
    return (
      <EmptyState icon="check" title="No validation yet">
        <p>Pick a device and choose <strong>Validate tree</strong> to walk every edge once.</p>
      </EmptyState>
    );
  }
  return (
    <div className="validations" data-testid="validations">
      {openError ? <p className="form-error">{openError}</p> : null}
      <ol className="history">
        {list.map((v) => {
          const ok = v.edges_total > 0 && v.edges_passed === v.edges_total;
          return (
            <li key={v.id} className={`history-item${open?.id === v.id ? ' viewing' : ''}`}>
              <div className="history-main">
                <div className="history-title">
                  <span className={`badge badge-${v.status === 'running' ? 'muted' : ok ? 'good' : 'bad'}`}>
                    {v.status === 'running' ? 'Running' : `${v.edges_passed}/${v.edges_total} passed`}
                  </span>
                  <span className="muted small">on {v.device}</span>
                </div>
                <div className="muted small">
                  {formatDateTime(v.started_at)} · {v.moves} moves
                </div>
              </div>
              <button type="button" className="button button-sm" onClick={() => show(v.id)}>
                {open?.id === v.id ? 'Hide' : 'Results'}
              </button>
              {open?.id === v.id ? (
                <div className="history-detail">
                  <ValidationResults summary={open} onSelectEdge={onSelectEdge} />
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
