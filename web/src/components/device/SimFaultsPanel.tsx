// A simulated device's faults (black, frozen, no signal, lost keys, slow screens), switched on
// purpose to try monitoring and tests. Each change is sent at once, as the whole set.

import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../api/client';
import { api } from '../../api/endpoints';
import type { SimFaults } from '../../api/types';
import { Icon } from '../Icon';
import { Skeleton } from '../States';
import { Switch } from '../testing/ScheduleParts';

type Toggle = 'black' | 'freeze' | 'no_signal';
type Amount = 'drop_key_probability' | 'transition_delay_ms';

const TOGGLES: { key: Toggle; label: string; help: string }[] = [
  { key: 'black', label: 'Black picture', help: 'Goes black; the signal stays.' },
  { key: 'freeze', label: 'Frozen picture', help: 'The picture stops; keys still work.' },
  { key: 'no_signal', label: 'No signal', help: 'No picture at all, as if unplugged.' },
];

interface AmountSpec {
  key: Amount;
  label: string;
  unit: string;
  help: string;
  /** API value = shown value × scale. */
  scale: number;
  min: number;
  max: number;
  step: number;
  integer?: boolean;
}

const AMOUNTS: AmountSpec[] = [
  {
    key: 'drop_key_probability',
    label: 'Lost key presses',
    unit: '%',
    help: 'Share of presses the device ignores.',
    scale: 0.01,
    min: 0,
    max: 100,
    step: 1,
  },
  {
    key: 'transition_delay_ms',
    label: 'Screen change delay',
    unit: 'ms',
    help: 'How late a new screen shows.',
    scale: 1,
    min: 0,
    max: 60_000,
    step: 100,
    integer: true,
  },
];

const NO_FAULTS: SimFaults = { freeze: false, black: false, no_signal: false, drop_key_probability: 0, transition_delay_ms: 0 };

function faultsOn(f: SimFaults): number {
  return TOGGLES.filter((t) => f[t.key]).length + AMOUNTS.filter((a) => f[a.key] > 0).length;
}

function shown(value: number, scale: number): string {
  return Number.isFinite(value) ? String(Number((value / scale).toFixed(2))) : '';
}

function AmountField({
  spec,
  value,
  disabled,
  onCommit,
}: {
  spec: AmountSpec;
  value: number;
  disabled: boolean;
  onCommit: (value: number) => void;
}) {
  const [text, setText] = useState(() => shown(value, spec.scale));
  const [error, setError] = useState<string | null>(null);
  const editing = useRef(false);
  const id = `sim-${spec.key}`;

  // A newer value from the device replaces the text, unless it is being typed.
  useEffect(() => {
    if (!editing.current) {
      setText(shown(value, spec.scale));
      setError(null);
    }
  }, [value, spec.scale]);

  const commit = () => {
    const trimmed = text.trim();
    const number = Number(trimmed);
    if (trimmed === '' || !Number.isFinite(number)) {
      setError('Enter a number.');
      return;
    }
    if (number < spec.min || number > spec.max) {
      setError(`Between ${spec.min} and ${spec.max.toLocaleString('en-US')} ${spec.unit}.`);
      return;
    }
    setError(null);
    const next = spec.integer ? Math.round(number * spec.scale) : Number((number * spec.scale).toFixed(4));
    if (next !== value) onCommit(next);
    setText(shown(next, spec.scale));
  };

  return (
    <div className={error ? 'field sim-amount has-error' : 'field sim-amount'}>
      <label className="field-label" htmlFor={id}>
        {spec.label}
      </label>
      <div className="input-with-unit">
        <input
          id={id}
          className="input input-sm"
          type="number"
          inputMode="decimal"
          min={spec.min}
          max={spec.max}
          step={spec.step}
          value={text}
          disabled={disabled}
          onFocus={() => {
            editing.current = true;
          }}
          onBlur={() => {
            editing.current = false;
            commit();
          }}
          onChange={(e) => {
            setText(e.target.value);
            setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              commit();
            } else if (e.key === 'Escape') {
              setText(shown(value, spec.scale));
              setError(null);
            }
          }}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-help`}
          data-testid={id}
        />
        <span className="unit">{spec.unit}</span>
      </div>
      {error ? (
        <span className="field-error" role="alert" data-error-for={spec.key}>
          {error}
        </span>
      ) : (
        <span className="field-help" id={`${id}-help`}>
          {spec.help}
        </span>
      )}
    </div>
  );
}

interface SimFaultsPanelProps {
  host: string;
  device: string;
  disabled: boolean;
  lockToken: string | null;
  /** A change the device refused (it has been rolled back). */
  onError: (err: unknown) => void;
}

export function SimFaultsPanel({ host, device, disabled, lockToken, onError }: SimFaultsPanelProps) {
  const [faults, setFaults] = useState<SimFaults | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  /** What the device last said it plays: the state a refused change returns to. */
  const confirmed = useRef<SimFaults | null>(null);
  /** Bumped by every read and change: only the newest one's answer is shown. */
  const seq = useRef(0);
  /** Changes are sent one after the other, so they reach the device in order. */
  const queue = useRef<Promise<void>>(Promise.resolve());
  const sending = useRef(0);

  const read = useCallback(
    (signal?: AbortSignal) => {
      // A change in flight answers with the device's state anyway.
      if (sending.current > 0) return;
      const mine = ++seq.current;
      api.sim(host, device, signal).then(
        (state) => {
          if (mine !== seq.current) return;
          confirmed.current = state.faults;
          setFaults(state.faults);
          setLoadError(null);
        },
        (err: unknown) => {
          if (!signal?.aborted && mine === seq.current) setLoadError(err);
        },
      );
    },
    [host, device],
  );

  // Now, and again whenever the page gets the focus back (faults may have been set elsewhere).
  useEffect(() => {
    const controller = new AbortController();
    read(controller.signal);
    const onFocus = () => read(controller.signal);
    const onVisible = () => {
      if (document.visibilityState === 'visible') read(controller.signal);
    };
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      controller.abort();
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [read, attempt]);

  const apply = (next: SimFaults) => {
    const mine = ++seq.current;
    setFaults(next);
    setLoadError(null);
    sending.current += 1;
    queue.current = queue.current.then(() =>
      api
        .setSimFaults(host, device, next, lockToken)
        .then(
          (state) => {
            confirmed.current = state.faults;
            if (mine === seq.current) setFaults(state.faults);
          },
          (err: unknown) => {
            if (mine === seq.current) setFaults(confirmed.current);
            onError(err);
          },
        )
        .finally(() => {
          sending.current -= 1;
        }),
    );
  };

  const on = faults ? faultsOn(faults) : 0;

  let body;
  if (!faults) {
    body = loadError ? (
      <div className="sim-error" role="alert" data-testid="sim-error">
        <p className="small">Faults could not be read: {errorMessage(loadError)}</p>
        <button type="button" className="button button-sm" onClick={() => {
            setLoadError(null);
            setAttempt((n) => n + 1);
          }}
        >
          <Icon name="refresh" size={14} /> Try again
        </button>
      </div>
    ) : (
      <div className="stack-sm" aria-busy="true">
        <Skeleton height={34} />
        <Skeleton height={34} />
        <Skeleton height={34} />
      </div>
    );
  } else {
    body = (
      <>
        <div className="sim-toggles">
          {TOGGLES.map((t) => (
            <label key={t.key} className={faults[t.key] ? 'sim-toggle is-on' : 'sim-toggle'} data-fault={t.key}>
              <Switch
                checked={faults[t.key]}
                onChange={(v) => apply({ ...faults, [t.key]: v })}
                label={t.label}
                disabled={disabled}
                testId={`sim-${t.key}`}
              />
              <span className="sim-toggle-text">
                <span className="sim-toggle-label">{t.label}</span>
                <span className="field-help">{t.help}</span>
              </span>
            </label>
          ))}
        </div>
        <div className="sim-amounts">
          {AMOUNTS.map((spec) => (
            <AmountField
              key={spec.key}
              spec={spec}
              value={faults[spec.key]}
              disabled={disabled}
              onCommit={(v) => apply({ ...faults, [spec.key]: v })}
            />
          ))}
        </div>
        {loadError ? <p className="field-error">Could not refresh: {errorMessage(loadError)}</p> : null}
        {on > 0 ? (
          <button
            type="button"
            className="button button-sm sim-clear"
            disabled={disabled}
            onClick={() => apply(NO_FAULTS)}
            data-testid="sim-clear"
          >
            <Icon name="undo" size={14} /> Clear all faults
          </button>
        ) : null}
      </>
    );
  }

  return (
    <section className="panel sim-panel" aria-labelledby="sim-title" data-testid="sim-panel">
      <div className="panel-head">
        <h2 id="sim-title" className="panel-title">
          <Icon name="alert" size={16} /> Simulated faults
        </h2>
        {faults ? (
          <span className={`badge badge-${on > 0 ? 'warn' : 'muted'}`} data-testid="sim-state">
            {on > 0 ? `${on} on` : 'None'}
          </span>
        ) : null}
      </div>
      <p className="muted small sim-intro">
        For trying monitoring and tests: the simulated device misbehaves on purpose until you clear it.
      </p>
      {body}
    </section>
  );
}
