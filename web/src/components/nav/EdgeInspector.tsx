// The selected edge: its keys both ways, retry and failure actions, wait, weight and health.

import type { EdgeMetric, NavAction, NavEdge, NavNode } from '../../api/nav';
import { edgeHealth } from '../../lib/navTree';
import { formatMs } from '../../lib/format';
import { Icon } from '../Icon';
import { ActionListEditor } from './ActionListEditor';

export type ActionListName = 'forward' | 'reverse' | 'retry' | 'failure';

interface EdgeInspectorProps {
  edge: NavEdge;
  source: NavNode | null;
  target: NavNode | null;
  metrics: EdgeMetric[];
  keys: string[];
  readOnly: boolean;
  recording: ActionListName | null;
  /** Null when no docked device can record. */
  onToggleRecord: ((list: ActionListName) => void) | null;
  onChange: (patch: Partial<NavEdge>) => void;
  onDelete: () => void;
}

function MetricLine({ label, metric }: { label: string; metric: EdgeMetric | null }) {
  if (!metric || metric.runs === 0) return <div className="metric-line"><span>{label}</span><span className="muted">untested</span></div>;
  const rate = Math.round(metric.success_rate * 100);
  return (
    <div className="metric-line">
      <span>{label}</span>
      <span className={`health-text health-${rate >= 95 ? 'good' : rate >= 70 ? 'warn' : 'bad'}`}>{rate} %</span>
      <span className="muted small">
        {metric.successes}/{metric.runs} runs · mean {formatMs(metric.mean_ms)}
      </span>
    </div>
  );
}

export function EdgeInspector(props: EdgeInspectorProps) {
  const { edge, source, target, metrics, keys, readOnly, recording, onToggleRecord, onChange, onDelete } = props;
  const health = edgeHealth(edge.id, metrics);
  const list = (name: ActionListName, label: string, actions: NavAction[]) => (
    <ActionListEditor
      label={label}
      actions={actions}
      keys={keys}
      readOnly={readOnly}
      testId={`actions-${name}`}
      onChange={(next) => onChange({ [name]: next })}
      recording={recording === name}
      onToggleRecord={onToggleRecord ? () => onToggleRecord(name) : null}
    />
  );

  return (
    <div className="inspector" data-testid="edge-inspector">
      <div className="inspector-head">
        <div>
          <div className="inspector-kicker">Edge · <span className="mono">{edge.id}</span></div>
          <h3 className="inspector-title">
            {source?.label ?? edge.source} <Icon name="right" size={14} /> {target?.label ?? edge.target}
          </h3>
        </div>
      </div>
      <div className="metric-box">
        <MetricLine label="Forward" metric={health.forward} />
        {edge.reverse ? <MetricLine label="Back" metric={health.reverse} /> : null}
      </div>

      {list('forward', `Forward: ${source?.label ?? edge.source} → ${target?.label ?? edge.target}`, edge.forward)}

      <label className="check-row">
        <input type="checkbox" checked={edge.reverse !== null} disabled={readOnly} onChange={(e) => onChange({ reverse: e.target.checked ? [{ command: 'press', key: 'BACK' }] : null })} />
        <span>There is a way back</span>
      </label>
      {edge.reverse !== null ? list('reverse', `Back: ${target?.label ?? edge.target} → ${source?.label ?? edge.source}`, edge.reverse) : null}

      <details className="inspector-more" open={(edge.retry?.length ?? 0) > 0 || (edge.failure?.length ?? 0) > 0 || recording === 'retry' || recording === 'failure'}>
        <summary>Waits, retry and failure actions</summary>
        <div className="form-grid">
          <label className="field">
            <span className="field-label">Wait after the keys (ms)</span>
            <input className="input" type="number" min={0} max={60000} step={100} value={edge.wait_ms ?? 0} disabled={readOnly} onChange={(e) => onChange({ wait_ms: Math.max(0, Math.min(60000, Number(e.target.value) || 0)) })} />
          </label>
          <label className="field">
            <span className="field-label">Weight (planning cost)</span>
            <input className="input" type="number" min={0} step={1} value={edge.weight ?? 1} disabled={readOnly} onChange={(e) => onChange({ weight: Math.max(0, Number(e.target.value) || 0) })} />
          </label>
        </div>
        {list('retry', 'Retry — run once when the target is not verified', edge.retry ?? [])}
        {list('failure', 'On failure — run when the edge failed for good', edge.failure ?? [])}
      </details>

      {!readOnly ? (
        <button type="button" className="button button-sm inspector-delete" onClick={onDelete}>
          <Icon name="trash" size={14} /> Delete edge
        </button>
      ) : null}
    </div>
  );
}
