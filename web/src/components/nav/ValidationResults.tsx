// What a validation found: per edge and direction, passed or not, how long, and the proof.

import type { EdgeResult, ValidationSummary } from '../../api/nav';
import { formatMs } from '../../lib/format';
import { ShotLink } from './ShotLink';

interface ValidationResultsProps {
  summary: { results?: EdgeResult[] } & Partial<ValidationSummary>;
  /** Shows an edge on the graph. */
  onSelectEdge?: (edgeId: string) => void;
}

export function ValidationResults({ summary, onSelectEdge }: ValidationResultsProps) {
  const results = summary.results ?? [];
  const failed = results.filter((r) => !r.passed);
  return (
    <div className="validation" data-testid="validation-results">
      <div className="validation-figures">
        <div className="stat">
          <span className="stat-label">Edges passed</span>
          <span className={`stat-value ${failed.length ? 'stat-bad' : 'stat-good'}`}>
            {summary.edges_passed ?? results.length - failed.length}/{summary.edges_total ?? results.length}
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Moves</span>
          <span className="stat-value">{summary.moves ?? '—'}</span>
        </div>
        <div className="stat">
          <span className="stat-label">Efficiency</span>
          <span className="stat-value" title="Edges walked ÷ moves made; 100 % means no redundant move">
            {typeof summary.efficiency === 'number' ? `${Math.round(summary.efficiency * 100)} %` : '—'}
          </span>
        </div>
      </div>
      {results.length ? (
        <table className="table validation-table">
          <thead>
            <tr>
              <th>Edge</th>
              <th>Way</th>
              <th>Result</th>
              <th>Time</th>
            </tr>
          </thead>
          <tbody>
            {[...failed, ...results.filter((r) => r.passed)].map((r) => (
              <tr
                key={`${r.edge_id}-${r.direction}`}
                className={r.passed ? '' : 'row-bad'}
                data-edge={onSelectEdge ? r.edge_id : undefined}
                onClick={onSelectEdge ? () => onSelectEdge(r.edge_id) : undefined}
                title={onSelectEdge ? 'Show this edge on the graph' : undefined}
              >
                <td className="mono">{r.edge_id}</td>
                <td>{r.direction === 'reverse' ? 'back' : 'forward'}</td>
                <td>
                  <span className={`badge badge-${r.passed ? 'good' : 'bad'}`}>{r.passed ? 'Passed' : 'Failed'}</span>
                  {!r.passed && r.detail ? <div className="muted small">{r.detail}</div> : null}
                  {!r.passed && r.screenshot_url ? (
                    <ShotLink className="validation-shot" url={r.screenshot_url} alt={`What the device showed on ${r.edge_id}`} />
                  ) : null}
                </td>
                <td className="mono">{formatMs(r.ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
