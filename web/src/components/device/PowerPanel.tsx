import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../api/client';
import { api } from '../../api/endpoints';
import type { PowerAction, PowerState } from '../../api/types';
import { Icon } from '../Icon';

interface PowerPanelProps {
  host: string;
  id: string;
  initialState: PowerState | null;
  disabled: boolean;
  /** Shows the state only, without the buttons (roles that cannot switch it). */
  readOnly?: boolean;
  lockToken: string | null;
  onError: (err: unknown) => void;
}

const STATE_LABELS: Record<PowerState, string> = { on: 'On', off: 'Off', unknown: 'Unknown' };
const POLL_MS = 10_000;

export function PowerPanel({ host, id, initialState, disabled, readOnly = false, lockToken, onError }: PowerPanelProps) {
  const [state, setState] = useState<PowerState | null>(initialState);
  const [busy, setBusy] = useState<PowerAction | null>(null);
  const [readError, setReadError] = useState<string | null>(null);

  const read = useCallback(
    (signal?: AbortSignal) =>
      api.power(host, id, signal).then(
        (res) => {
          setState(res.state);
          setReadError(null);
        },
        (err: unknown) => {
          if (!signal?.aborted) setReadError(errorMessage(err));
        },
      ),
    [host, id],
  );

  useEffect(() => {
    const controller = new AbortController();
    void read(controller.signal);
    const timer = window.setInterval(() => void read(controller.signal), POLL_MS);
    return () => {
      controller.abort();
      window.clearInterval(timer);
    };
  }, [read]);

  const act = async (action: PowerAction) => {
    setBusy(action);
    try {
      const res = await api.setPower(host, id, action, lockToken);
      setState(res.state);
    } catch (err) {
      onError(err);
    } finally {
      setBusy(null);
    }
  };

  const shown = state ?? 'unknown';
  return (
    <section className="panel" aria-labelledby="power-title">
      <div className="panel-head">
        <h2 id="power-title" className="panel-title">
          <Icon name="power" size={16} /> Power
        </h2>
        <span className={`badge badge-${shown === 'on' ? 'good' : shown === 'off' ? 'muted' : 'warn'}`} data-power={shown}>
          {state === null && !readError ? 'Reading…' : STATE_LABELS[shown]}
        </span>
      </div>
      {readError ? <p className="muted small">{readError}</p> : null}
      {!readOnly ? (
        <div className="button-row">
          {(['on', 'off', 'cycle'] as const).map((action) => (
            <button
              key={action}
              type="button"
              className="button"
              disabled={disabled || busy !== null}
              onClick={() => void act(action)}
            >
              {busy === action ? 'Working…' : action === 'on' ? 'On' : action === 'off' ? 'Off' : 'Cycle'}
            </button>
          ))}
        </div>
      ) : null}
    </section>
  );
}
