// A device's monitoring: on/off, which conditions are watched, their delays and thresholds, and
// what the monitor sees right now.

import { useCallback, useEffect, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { incidentHref, monitoringApi } from '../../api/monitoring';
import type { Incident, IncidentKind, MonitorSettings, MonitorStatus } from '../../api/monitoring';
import { useLatest } from '../../hooks/useLatest';
import { usePageVisible } from '../../hooks/usePageVisible';
import { kindTitle } from '../../lib/incidents';
import { Link } from '../../lib/router';
import { Icon } from '../Icon';
import { needsRole } from '../RoleGate';
import { Skeleton } from '../States';
import { Switch } from '../testing/ScheduleParts';

const STATUS_POLL_MS = 2000;

type FieldPath =
  | 'fps'
  | `${IncidentKind}.delay_ms`
  | `${IncidentKind}.clear_ms`
  | 'black.max_luma'
  | 'black.min_fraction'
  | 'freeze.max_difference';

interface FieldSpec {
  path: FieldPath;
  label: string;
  unit: string;
  help: string;
  /** API value = shown value × scale (ms shown as s, fractions as %). */
  scale: number;
  min: number;
  max: number;
  step: number;
  integer?: boolean;
}

const timing = (kind: IncidentKind): FieldSpec[] => [
  {
    path: `${kind}.delay_ms`,
    label: 'Alert after',
    unit: 's',
    help: 'How long it must last before an incident opens.',
    scale: 1000,
    min: 0,
    max: 3600,
    step: 0.1,
    integer: true,
  },
  {
    path: `${kind}.clear_ms`,
    label: 'Clear after',
    unit: 's',
    help: 'How long it must be gone before the incident closes.',
    scale: 1000,
    min: 0,
    max: 3600,
    step: 0.1,
    integer: true,
  },
];

const FPS_FIELD: FieldSpec = {
  path: 'fps',
  label: 'Analysis rate',
  unit: 'fps',
  help: 'Pictures checked per second. Higher notices sooner and costs the host more.',
  scale: 1,
  min: 0.5,
  max: 25,
  step: 0.5,
};

interface ConditionSpec {
  kind: IncidentKind;
  help: string;
  fields: FieldSpec[];
}

const CONDITIONS: ConditionSpec[] = [
  {
    kind: 'black',
    help: 'Most of the picture is (nearly) black while the device still sends a signal.',
    fields: [
      ...timing('black'),
      {
        path: 'black.max_luma',
        label: 'Dark up to',
        unit: '/ 255',
        help: 'A pixel this dark or darker counts as black (0 is pure black).',
        scale: 1,
        min: 0,
        max: 255,
        step: 1,
        integer: true,
      },
      {
        path: 'black.min_fraction',
        label: 'Black area',
        unit: '%',
        help: 'How much of the picture must be dark.',
        scale: 0.01,
        min: 0,
        max: 100,
        step: 0.5,
      },
    ],
  },
  {
    kind: 'freeze',
    help: 'The picture did not change for the delay. Menus and still screens look frozen too, so watch this on live video only.',
    fields: [
      ...timing('freeze'),
      {
        path: 'freeze.max_difference',
        label: 'Change below',
        unit: '/ 255',
        help: 'Pictures whose mean brightness differs by at most this count as the same.',
        scale: 1,
        min: 0,
        max: 255,
        step: 0.1,
      },
    ],
  },
  {
    kind: 'no_signal',
    help: 'The capture source delivers no picture (device off, cable out).',
    fields: timing('no_signal'),
  },
];

const ALL_FIELDS: FieldSpec[] = [FPS_FIELD, ...CONDITIONS.flatMap((c) => c.fields)];

interface Draft {
  enabled: boolean;
  conditions: Record<IncidentKind, boolean>;
  values: Record<string, string>;
}

function read(settings: MonitorSettings, path: FieldPath): number {
  const [group, key] = path.split('.') as [string, string | undefined];
  const source = key ? (settings as unknown as Record<string, Record<string, number>>)[group]?.[key] : settings.fps;
  return typeof source === 'number' ? source : NaN;
}

/** Shown value of an API number: at most 3 decimals, no trailing zeros. */
function shown(value: number, scale: number): string {
  if (!Number.isFinite(value)) return '';
  return String(Number((value / scale).toFixed(3)));
}

function draftOf(settings: MonitorSettings): Draft {
  const values: Record<string, string> = {};
  for (const field of ALL_FIELDS) values[field.path] = shown(read(settings, field.path), field.scale);
  return {
    enabled: settings.enabled,
    conditions: { black: settings.black.enabled, freeze: settings.freeze.enabled, no_signal: settings.no_signal.enabled },
    values,
  };
}

/** The settings a draft stands for, or the fields it gets wrong. */
function settingsOf(draft: Draft): { settings: MonitorSettings | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const num: Record<string, number> = {};
  for (const field of ALL_FIELDS) {
    const text = (draft.values[field.path] ?? '').trim();
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) {
      errors[field.path] = 'Enter a number.';
      continue;
    }
    if (value < field.min || value > field.max) {
      const unit = field.unit.startsWith('/') ? '' : ` ${field.unit}`;
      errors[field.path] = `Between ${field.min} and ${field.max}${unit}.`;
      continue;
    }
    const api = value * field.scale;
    num[field.path] = field.integer ? Math.round(api) : Number(api.toFixed(6));
  }
  if (Object.keys(errors).length > 0) return { settings: null, errors };
  const n = (path: FieldPath) => num[path] ?? 0;
  return {
    settings: {
      enabled: draft.enabled,
      fps: n('fps'),
      black: {
        enabled: draft.conditions.black,
        delay_ms: n('black.delay_ms'),
        clear_ms: n('black.clear_ms'),
        max_luma: n('black.max_luma'),
        min_fraction: n('black.min_fraction'),
      },
      freeze: {
        enabled: draft.conditions.freeze,
        delay_ms: n('freeze.delay_ms'),
        clear_ms: n('freeze.clear_ms'),
        max_difference: n('freeze.max_difference'),
      },
      no_signal: { enabled: draft.conditions.no_signal, delay_ms: n('no_signal.delay_ms'), clear_ms: n('no_signal.clear_ms') },
    },
    errors,
  };
}

/**
 * The field a 400 names: the body's `field`, or the `black.min_fraction: …` prefix of its detail.
 * Returns null when the error names none.
 */
function fieldError(err: unknown): { path: string; message: string } | null {
  if (!(err instanceof ApiError) || err.status !== 400) return null;
  const field = typeof err.body.field === 'string' ? err.body.field : null;
  const match = /^([a-z_]+(?:\.[a-z_]+)?):\s*(.+)$/.exec(err.message);
  const path = field ?? match?.[1] ?? null;
  if (!path) return null;
  const known = ALL_FIELDS.some((f) => f.path === path) || ['enabled', 'black', 'freeze', 'no_signal'].includes(path);
  if (!known) return null;
  const message = match?.[2] ?? err.message;
  return { path, message: message.charAt(0).toUpperCase() + message.slice(1) };
}

const PHASES: Record<string, { label: string; tone: string }> = {
  clear: { label: 'Clear', tone: 'good' },
  pending: { label: 'Pending', tone: 'warn' },
  clearing: { label: 'Clearing', tone: 'warn' },
  active: { label: 'Active', tone: 'bad' },
};

function PhaseBadge({ phase, watched }: { phase: string | undefined; watched: boolean }) {
  if (!watched) return <span className="badge badge-muted">Not watched</span>;
  const info = phase ? PHASES[phase] : undefined;
  return (
    <span className={`badge badge-${info?.tone ?? 'muted'}`} data-phase={phase ?? 'unknown'}>
      {info?.tone === 'bad' ? <span className="badge-dot pulse-dot" aria-hidden="true" /> : null}
      {info?.label ?? (phase ? phase : '—')}
    </span>
  );
}

function NumberField({
  spec,
  value,
  error,
  disabled,
  onChange,
}: {
  spec: FieldSpec;
  value: string;
  error: string | undefined;
  disabled: boolean;
  onChange: (v: string) => void;
}) {
  const id = `monitor-${spec.path.replace('.', '-')}`;
  return (
    <div className={error ? 'field monitor-field has-error' : 'field monitor-field'}>
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
          value={value}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-help`}
          data-field={spec.path}
        />
        <span className="unit">{spec.unit}</span>
      </div>
      {error ? (
        <span className="field-error" role="alert" data-error-for={spec.path}>
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

interface MonitoringPanelProps {
  host: string;
  device: string;
  disabled: boolean;
  /** Shows the settings and status without letting them change (roles that cannot save them). */
  readOnly?: boolean;
  incident: Incident | null;
  onSaved?: (message: string) => void;
}

export function MonitoringPanel({ host, device, disabled, readOnly = false, incident, onSaved }: MonitoringPanelProps) {
  const [saved, setSaved] = useState<MonitorSettings | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [status, setStatus] = useState<MonitorStatus | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const visible = usePageVisible();
  const dirty = draft !== null && saved !== null && JSON.stringify(draft) !== JSON.stringify(draftOf(saved));
  const dirtyRef = useLatest(dirty);

  const accept = useCallback((answer: { settings: MonitorSettings; status: MonitorStatus }, replaceDraft: boolean) => {
    setStatus(answer.status);
    setSaved(answer.settings);
    if (replaceDraft) setDraft(draftOf(answer.settings));
  }, []);

  // An incident opening or closing changes a phase: read it at once rather than at the next poll.
  const incidentKey = incident ? `${incident.id}:${incident.status}` : '';

  // Settings once, then the status every few seconds (settings too, unless being edited).
  useEffect(() => {
    if (!visible) return undefined;
    const controller = new AbortController();
    const load = () =>
      monitoringApi.monitor(host, device, controller.signal).then(
        (answer) => {
          setLoadError(null);
          setStatus(answer.status);
          if (!dirtyRef.current) {
            setSaved(answer.settings);
            setDraft(draftOf(answer.settings));
          }
        },
        (err: unknown) => {
          if (!controller.signal.aborted) setLoadError(err);
        },
      );
    void load();
    const timer = window.setInterval(() => void load(), STATUS_POLL_MS);
    return () => {
      controller.abort();
      window.clearInterval(timer);
    };
  }, [host, device, visible, incidentKey, dirtyRef]);

  const update = (change: (d: Draft) => Draft, path?: string) => {
    setDraft((d) => (d ? change(d) : d));
    setFormError(null);
    if (path) setErrors(({ [path]: _gone, ...rest }) => rest);
  };

  const save = async () => {
    if (!draft) return;
    const { settings, errors: found } = settingsOf(draft);
    setErrors(found);
    setFormError(null);
    if (!settings) return;
    setSaving(true);
    try {
      accept(await monitoringApi.setMonitor(host, device, settings), true);
      onSaved?.(settings.enabled ? 'Monitoring settings saved' : 'Monitoring turned off');
    } catch (err) {
      const named = fieldError(err);
      if (named && ALL_FIELDS.some((f) => f.path === named.path)) setErrors({ [named.path]: named.message });
      else setFormError(named ? named.message : errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  let body;
  if (!draft || !saved) {
    if (loadError) {
      const missing = loadError instanceof ApiError && loadError.status === 404;
      body = (
        <p className="muted small" data-testid="monitor-unavailable">
          {missing ? "This device's host does not offer monitoring." : `Monitoring settings could not be read: ${errorMessage(loadError)}`}
        </p>
      );
    } else {
      body = (
        <div className="stack-sm" aria-busy="true">
          <Skeleton height={16} width="60%" />
          <Skeleton height={60} />
          <Skeleton height={60} />
        </div>
      );
    }
  } else {
    const off = !draft.enabled;
    const lock = disabled || readOnly || saving;
    body = (
      <form
        className="monitor-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
        noValidate
      >
        <div className="monitor-top">
          <label className="monitor-toggle">
            <Switch
              checked={draft.enabled}
              onChange={(v) => update((d) => ({ ...d, enabled: v }))}
              label="Monitoring on"
              disabled={lock}
              testId="monitor-enabled"
            />
            <span>
              <strong>{draft.enabled ? 'Monitoring on' : 'Monitoring off'}</strong>
              <span className="muted small"> · incidents open when a watched condition lasts</span>
            </span>
          </label>
          <NumberField
            spec={FPS_FIELD}
            value={draft.values.fps ?? ''}
            error={errors.fps}
            disabled={lock || off}
            onChange={(v) => update((d) => ({ ...d, values: { ...d.values, fps: v } }), 'fps')}
          />
        </div>

        {status && saved.enabled ? (
          <div className="monitor-status" data-testid="monitor-status">
            <span className="readout-phase readout-good">
              <span className="readout-dot" aria-hidden="true" /> Watching
            </span>
            <span>
              <span className="readout-label">analysed</span>{' '}
              <span className="readout-value" data-testid="analysed-fps">
                {status.analysed_fps.toFixed(1)} fps
              </span>
            </span>
            <span title="Time to analyse one picture">
              <span className="readout-label">per picture</span> <span className="readout-value">{status.analysis_ms.toFixed(1)} ms</span>
            </span>
            {status.skipped_total > 0 ? (
              <span title="Pictures skipped because analysis could not keep up">
                <span className="readout-label">skipped</span> <span className="readout-value">{status.skipped_total.toLocaleString()}</span>
              </span>
            ) : null}
          </div>
        ) : null}

        <div className="monitor-conditions">
          {CONDITIONS.map((c) => {
            const watched = draft.conditions[c.kind];
            const savedWatched = saved.enabled && saved[c.kind].enabled;
            const isIncident = incident?.kind === c.kind;
            return (
              <fieldset key={c.kind} className={watched && !off ? 'monitor-condition' : 'monitor-condition is-off'} data-condition={c.kind}>
                <div className="monitor-condition-head">
                  <Switch
                    checked={watched}
                    onChange={(v) => update((d) => ({ ...d, conditions: { ...d.conditions, [c.kind]: v } }))}
                    label={`Watch for ${kindTitle(c.kind).toLowerCase()}`}
                    disabled={lock || off}
                    testId={`monitor-${c.kind}`}
                  />
                  <legend className="monitor-condition-title">{kindTitle(c.kind)}</legend>
                  <span className="grow" />
                  {isIncident && incident ? (
                    <Link to={incidentHref(incident.id)} className="small">
                      Incident #{incident.id}
                    </Link>
                  ) : null}
                  <PhaseBadge phase={status?.conditions[c.kind]} watched={savedWatched} />
                </div>
                <p className="muted small monitor-help">{c.help}</p>
                <div className="monitor-fields">
                  {c.fields.map((spec) => (
                    <NumberField
                      key={spec.path}
                      spec={spec}
                      value={draft.values[spec.path] ?? ''}
                      error={errors[spec.path]}
                      disabled={lock || off || !watched}
                      onChange={(v) => update((d) => ({ ...d, values: { ...d.values, [spec.path]: v } }), spec.path)}
                    />
                  ))}
                </div>
              </fieldset>
            );
          })}
        </div>

        {!readOnly ? (
          <div className="form-actions monitor-actions">
            {formError ? (
              <span className="form-error" role="alert">
                {formError}
              </span>
            ) : Object.keys(errors).length > 0 ? (
              <span className="form-error" role="alert">
                Check the fields marked in red.
              </span>
            ) : dirty ? (
              <span className="muted small">Unsaved changes</span>
            ) : null}
            <span className="grow" />
            <button
              type="button"
              className="button"
              disabled={!dirty || saving}
              onClick={() => {
                setDraft(draftOf(saved));
                setErrors({});
                setFormError(null);
              }}
            >
              Revert
            </button>
            <button type="submit" className="button button-primary" disabled={!dirty || lock} data-testid="monitor-save">
              {saving ? 'Saving…' : 'Save'}
            </button>
          </div>
        ) : (
          <p className="muted small monitor-actions" data-testid="monitor-read-only">
            Changing monitoring settings {needsRole('tester')}.
          </p>
        )}
      </form>
    );
  }

  return (
    <section className="panel device-monitor" aria-labelledby="monitor-title" data-testid="monitor-panel">
      <div className="panel-head">
        <h2 id="monitor-title" className="panel-title">
          <Icon name="monitor" size={16} /> Monitoring
        </h2>
        {saved ? (
          <span className={`badge badge-${saved.enabled ? 'good' : 'muted'}`} data-testid="monitor-state">
            {saved.enabled ? 'On' : 'Off'}
          </span>
        ) : null}
      </div>
      {body}
    </section>
  );
}
