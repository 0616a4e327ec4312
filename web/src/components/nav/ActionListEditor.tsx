// Edits one list of actions (forward, reverse, retry, failure): keys, waits, and live recording.

import { useState } from 'react';
import type { NavAction } from '../../api/nav';
import { formatAction } from '../../lib/navTree';
import { Icon } from '../Icon';

export const COMMON_KEYS = ['UP', 'DOWN', 'LEFT', 'RIGHT', 'OK', 'BACK', 'HOME', 'MENU', 'CHANNEL_UP', 'CHANNEL_DOWN', 'POWER'];

interface ActionListEditorProps {
  label: string;
  actions: NavAction[];
  keys: string[];
  readOnly: boolean;
  onChange: (actions: NavAction[]) => void;
  recording: boolean;
  /** Null when no device with a remote is docked. */
  onToggleRecord: (() => void) | null;
  testId: string;
}

export function ActionListEditor({ label, actions, keys, readOnly, onChange, recording, onToggleRecord, testId }: ActionListEditorProps) {
  const choices = keys.length ? keys : COMMON_KEYS;
  const [key, setKey] = useState(choices.includes('OK') ? 'OK' : (choices[0] ?? 'OK'));
  const [waitMs, setWaitMs] = useState(500);

  const setRepeat = (i: number, repeat: number) =>
    onChange(actions.map((a, j) => (j === i ? { ...a, repeat: Math.max(1, Math.min(50, repeat || 1)) } : a)));
  const remove = (i: number) => onChange(actions.filter((_, j) => j !== i));
  const move = (i: number, by: number) => {
    const j = i + by;
    if (j < 0 || j >= actions.length) return;
    const next = [...actions];
    [next[i], next[j]] = [next[j] as NavAction, next[i] as NavAction];
    onChange(next);
  };

  return (
    <div className="action-list" data-testid={testId}>
      <div className="action-list-head">
        <span className="field-label">{label}</span>
        {onToggleRecord && !readOnly ? (
          <button
            type="button"
            className={`button button-sm${recording ? ' button-recording' : ''}`}
            aria-pressed={recording}
            onClick={onToggleRecord}
            title="While recording, keys pressed on the docked remote are added here"
          >
            <span className="rec-dot" aria-hidden="true" /> {recording ? 'Stop recording' : 'Record'}
          </button>
        ) : null}
      </div>
      {actions.length === 0 ? (
        <p className="muted small">{recording ? 'Press keys on the remote…' : 'No actions.'}</p>
      ) : (
        <ol className="action-items">
          {actions.map((action, i) => (
            <li key={i} className="action-item">
              <span className="action-index">{i + 1}</span>
              <span className="action-text mono">{formatAction({ ...action, repeat: 1 })}</span>
              {!readOnly ? (
                <>
                  <label className="action-repeat" title="Repeat">
                    ×
                    <input
                      className="input input-xs"
                      type="number"
                      min={1}
                      max={50}
                      value={action.repeat ?? 1}
                      onChange={(e) => setRepeat(i, Number(e.target.value))}
                      aria-label={`Repeat action ${i + 1}`}
                    />
                  </label>
                  <button type="button" className="icon-button icon-xs" onClick={() => move(i, -1)} disabled={i === 0} aria-label="Move up">
                    <Icon name="up" size={13} />
                  </button>
                  <button type="button" className="icon-button icon-xs icon-button-danger" onClick={() => remove(i)} aria-label={`Remove action ${i + 1}`}>
                    <Icon name="close" size={13} />
                  </button>
                </>
              ) : action.repeat && action.repeat > 1 ? (
                <span className="muted small">×{action.repeat}</span>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      {!readOnly ? (
        <div className="action-add">
          <select className="input select input-sm" value={key} onChange={(e) => setKey(e.target.value)} aria-label={`Key to add to ${label}`}>
            {choices.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
          <button type="button" className="button button-sm" onClick={() => onChange([...actions, { command: 'press', key }])}>
            Add key
          </button>
          <input
            className="input input-sm input-ms"
            type="number"
            min={0}
            max={60000}
            step={100}
            value={waitMs}
            onChange={(e) => setWaitMs(Number(e.target.value))}
            aria-label="Wait in milliseconds"
          />
          <button type="button" className="button button-sm" onClick={() => onChange([...actions, { command: 'wait', ms: Math.max(0, waitMs) }])}>
            Add wait
          </button>
        </div>
      ) : null}
    </div>
  );
}
