// Where a run may go: one device, or any free device (of a model, with a capability).

import type { Target } from '../../api/testing';
import type { Device } from '../../api/types';
import { capabilityLabel } from '../../lib/format';
import { sortedDevices } from '../../store/liveState';
import { useLiveStore } from '../../store/LiveStore';
import { Spinner } from '../States';

type Mode = 'any' | 'device' | 'model' | 'capability';

/** The kind of choice a target is; a field that is present but still empty counts. */
function modeOf(target: Target): Mode {
  if (target.device !== undefined) return 'device';
  if (target.model !== undefined) return 'model';
  if (target.capability !== undefined) return 'capability';
  return 'any';
}

/** What a device row says about whether a run can take it now. */
export function deviceAvailability(device: Device, hostOnline: boolean): { label: string; tone: string; free: boolean } {
  if (!hostOnline || device.status === 'offline') return { label: 'Offline', tone: 'muted', free: false };
  if (device.lock) return { label: `Locked by ${device.lock.owner}`, tone: 'warn', free: false };
  if (device.status === 'no_signal') return { label: 'No signal', tone: 'warn', free: true };
  if (device.status === 'error') return { label: 'Capture error', tone: 'bad', free: true };
  return { label: 'Online', tone: 'good', free: true };
}

export const deviceValue = (d: Pick<Device, 'host' | 'id'>) => `${d.host}/${d.id}`;

interface TargetPickerProps {
  value: Target;
  onChange: (target: Target) => void;
  /** Capabilities the steps need (a device without them is shown but not offered). */
  needs?: string[];
  /** Prefix of the test ids, when a page shows more than one picker. */
  testIdPrefix?: string;
  /**
   * `scheduled`: a schedule's target. A firing that finds no free device is skipped (and says
   * why) rather than queued, and the hint says so.
   */
  scheduled?: boolean;
}

export function TargetPicker({ value, onChange, needs = [], testIdPrefix = 'target', scheduled = false }: TargetPickerProps) {
  const { state } = useLiveStore();
  const devices = sortedDevices(state);
  const hosts = state.hosts.data ?? {};
  const mode = modeOf(value);
  const models = [...new Set((devices ?? []).map((d) => d.model).filter(Boolean))].sort();
  const capabilities = [...new Set((devices ?? []).flatMap((d) => d.capabilities))].sort();

  const setMode = (next: Mode) => {
    if (next === mode) return;
    if (next === 'any') onChange({});
    else if (next === 'model') onChange({ model: models[0] ?? '' });
    else if (next === 'capability') onChange({ capability: capabilities[0] ?? 'remote' });
    else {
      const first = (devices ?? []).find((d) => deviceAvailability(d, hosts[d.host]?.status !== 'offline').free);
      onChange(first ? { host: first.host, device: first.id } : { host: '', device: '' });
    }
  };

  const choices: { mode: Mode; label: string }[] = [
    { mode: 'device', label: 'One device' },
    { mode: 'any', label: 'Any free device' },
    { mode: 'model', label: 'By model' },
    { mode: 'capability', label: 'By capability' },
  ];

  return (
    <div className="target-picker" data-testid={testIdPrefix}>
      <div className="segmented" role="radiogroup" aria-label="Which device">
        {choices.map((c) => (
          <button
            key={c.mode}
            type="button"
            role="radio"
            aria-checked={mode === c.mode}
            onClick={() => setMode(c.mode)}
            data-testid={`${testIdPrefix}-mode-${c.mode}`}
          >
            {c.label}
          </button>
        ))}
      </div>

      {mode === 'device' ? (
        devices === null ? (
          <div className="muted small">
            <Spinner /> Loading devices…
          </div>
        ) : devices.length === 0 ? (
          <p className="muted small">No device is known yet. Start a host with devices, or choose “Any free device”.</p>
        ) : (
          <ul className="target-devices" role="radiogroup" aria-label="Device">
            {devices.map((d) => {
              const hostOnline = hosts[d.host] ? hosts[d.host]?.status === 'online' : d.status !== 'offline';
              const availability = deviceAvailability(d, hostOnline);
              const missing = needs.filter((n) => !d.capabilities.includes(n));
              const checked = value.host === d.host && value.device === d.id;
              return (
                <li key={deviceValue(d)}>
                  <label className={checked ? 'target-device selected' : 'target-device'} data-device={deviceValue(d)}>
                    <input
                      type="radio"
                      name={`${testIdPrefix}-device`}
                      checked={checked}
                      onChange={() => onChange({ host: d.host, device: d.id })}
                    />
                    <span className="target-device-main">
                      <span className="target-device-name">{d.name}</span>
                      <span className="muted small">
                        {d.model || 'device'} · {d.id} on {hosts[d.host]?.name ?? d.host}
                        {missing.length ? ` · no ${missing.map(capabilityLabel).join(', ').toLowerCase()}` : ''}
                      </span>
                    </span>
                    <span className={`badge badge-${availability.tone}`}>
                      <span className="badge-dot" aria-hidden="true" />
                      {availability.label}
                    </span>
                  </label>
                </li>
              );
            })}
          </ul>
        )
      ) : null}

      {mode === 'model' ? (
        <label className="field">
          <span className="field-label">Model</span>
          <input
            className="input"
            list={`${testIdPrefix}-models`}
            value={value.model ?? ''}
            onChange={(e) => onChange({ model: e.target.value })}
            placeholder="e.g. stb"
            data-testid={`${testIdPrefix}-model`}
          />
          <datalist id={`${testIdPrefix}-models`}>
            {models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </label>
      ) : null}

      {mode === 'capability' ? (
        <label className="field">
          <span className="field-label">Capability</span>
          <select
            className="input select"
            value={value.capability ?? ''}
            onChange={(e) => onChange({ capability: e.target.value })}
            data-testid={`${testIdPrefix}-capability`}
          >
            {[...new Set([...capabilities, 'capture', 'remote', 'text', 'power'])].sort().map((c) => (
              <option key={c} value={c}>
                {capabilityLabel(c)}
              </option>
            ))}
          </select>
        </label>
      ) : null}

      {scheduled ? (
        <p className="muted small" data-testid={`${testIdPrefix}-hint`}>
          {mode === 'device' ? 'At each firing, the run starts on this device if it is free.' : `At each firing, the first free ${mode === 'model' ? 'device of that model' : mode === 'capability' ? 'device with that capability' : 'device that can run its steps'} takes the run.`}{' '}
          When none is free, that firing is skipped and the list of firings says why.
        </p>
      ) : mode === 'any' ? (
        <p className="muted small">The run waits in the queue until a device that can run its steps is free, then takes it.</p>
      ) : mode === 'model' || mode === 'capability' ? (
        <p className="muted small">The first free device of that {mode === 'model' ? 'model' : 'capability'} takes the run.</p>
      ) : null}
    </div>
  );
}

/** A target ready to send, or null while the choice is incomplete (no device picked, no model). */
export function cleanTarget(target: Target): Target | null {
  const mode = modeOf(target);
  const host = target.host?.trim();
  const device = target.device?.trim();
  const model = target.model?.trim();
  const capability = target.capability?.trim();
  if (mode === 'device') return host && device ? { host, device } : null;
  if (mode === 'model') return model ? { model } : null;
  if (mode === 'capability') return capability ? { capability } : null;
  return {};
}
