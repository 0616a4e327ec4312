import { useCallback, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { incidentOf, MAX_COMMENT_CHARS, monitoringApi } from '../api/monitoring';
import type { Incident } from '../api/monitoring';
import { deviceHref } from '../components/DeviceRow';
import { Icon } from '../components/Icon';
import { IncidentMarkers, IncidentStatusBadge, KindBadge } from '../components/monitoring/IncidentBadges';
import { PageLoader, pageLoadFailure } from '../components/PageLoader';
import { ReadOnlyNote } from '../components/RoleGate';
import { Banner, Skeleton } from '../components/States';
import { LightboxProvider, PictureThumb } from '../components/testing/Lightbox';
import type { Picture } from '../components/testing/Lightbox';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useNow } from '../hooks/useNow';
import { useServerEvents } from '../hooks/useServerEvents';
import { formatDateTimeSeconds, formatTime } from '../lib/format';
import {
  describeResolveReason,
  formatIncidentDuration,
  frameLabel,
  incidentDurationMs,
  kindTitle,
  orderedFrames,
} from '../lib/incidents';
import { useDisplayName } from '../lib/identity';
import { Link } from '../lib/router';
import type { PageProps } from '../routes';
import { useCan } from '../store/Auth';
import { useIncidents } from '../store/Incidents';
import { useLiveDevice } from '../store/LiveStore';

function BackLink() {
  return (
    <Link to="/incidents" className="back-link">
      <Icon name="left" size={16} /> All incidents
    </Link>
  );
}

/** Seconds from the start of the incident, for frame captions ("+4.2 s"). */
function offsetFromStart(incident: Incident, capturedAt: string): string {
  const ms = Date.parse(capturedAt) - Date.parse(incident.started_at);
  if (!Number.isFinite(ms)) return '';
  // Frames a few milliseconds apart are "at the start", not "−0.0 s".
  const sign = ms <= -50 ? '−' : '+';
  return `${sign}${formatIncidentDuration(Math.abs(ms))}`;
}

function Frames({ incident, now }: { incident: Incident; now: number }) {
  const frames = orderedFrames(incident);
  if (frames.length === 0) {
    return <p className="muted small">No picture was kept for this incident.</p>;
  }
  const pictures: Picture[] = frames.map((f) => ({
    url: f.url,
    caption: `${frameLabel(f.label).title} · ${formatTime(f.captured_at)} (${offsetFromStart(incident, f.captured_at)})`,
  }));
  const during = frames.filter((f) => f.label === 'last').length;
  return (
    <LightboxProvider>
      {incident.status === 'active' ? (
        <p className="muted small incident-frames-note">Pictures from while it lasts are added when it ends.</p>
      ) : during > 1 ? (
        <p className="muted small incident-frames-note">
          {during} pictures spread over the {formatIncidentDuration(incidentDurationMs(incident, now))} it lasted; the time after each is from its start.
        </p>
      ) : null}
      <div className="incident-frames" data-testid="incident-frames">
        {frames.map((frame, index) => (
          <div key={frame.name} className={`incident-frame frame-${frame.label}`} data-label={frame.label}>
            <PictureThumb
              pictures={pictures}
              index={index}
              className="incident-shot"
              badge={<span className={`frame-tag frame-tag-${frame.label}`}>{frameLabel(frame.label).title}</span>}
              caption={`${formatTime(frame.captured_at)} · ${offsetFromStart(incident, frame.captured_at)}`}
            />
            <p className="muted small frame-help">{frameLabel(frame.label).help}</p>
          </div>
        ))}
      </div>
    </LightboxProvider>
  );
}

function Facts({ incident, now }: { incident: Incident; now: number }) {
  const device = useLiveDevice(incident.host, incident.device);
  const rows: [string, ReactNode][] = [
    [
      'Device',
      <Link key="d" to={deviceHref({ host: incident.host, id: incident.device })}>
        {device?.name ?? incident.device} on {incident.host}
      </Link>,
    ],
    ['Started', formatDateTimeSeconds(incident.started_at)],
    ['Ended', incident.status === 'active' ? <span className="bad-text">Still going</span> : formatDateTimeSeconds(incident.ended_at)],
    ['Duration', <span data-testid="incident-duration">{formatIncidentDuration(incidentDurationMs(incident, now))}</span>],
  ];
  if (incident.status === 'resolved') rows.push(['Why it ended', describeResolveReason(incident.resolve_reason, incident.kind)]);
  rows.push([
    'Acknowledged',
    incident.acknowledged_at ? (
      <span data-testid="acknowledged">
        {formatDateTimeSeconds(incident.acknowledged_at)}
        {incident.acknowledged_by ? ` by ${incident.acknowledged_by}` : ''}
      </span>
    ) : (
      <span className="muted">Not yet</span>
    ),
  ]);
  return (
    <dl className="facts facts-wide">
      {rows.map(([label, value]) => (
        <div key={label} className="fact">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function FalsePositiveForm({ incident, onDone, onCancel }: { incident: Incident; onDone: (i: Incident) => void; onCancel: () => void }) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const me = useDisplayName();
  const trimmed = comment.trim();
  const tooLong = comment.length > MAX_COMMENT_CHARS;

  const submit = async () => {
    if (!trimmed) {
      setError('Say why this was not a real problem.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onDone(await monitoringApi.markFalsePositive(incident.id, trimmed, me));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <form
      className="panel fp-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      data-testid="false-positive-form"
    >
      <div className="panel-head">
        <h2 className="panel-title">
          <Icon name="flag" size={16} /> Mark as a false positive
        </h2>
      </div>
      <label className="field">
        <span className="field-label">Why was this not a real problem? (required)</span>
        <textarea
          className="input textarea"
          rows={3}
          value={comment}
          maxLength={MAX_COMMENT_CHARS + 200}
          onChange={(e) => setComment(e.target.value)}
          placeholder="e.g. The app shows a black splash screen for 3 s while it starts."
          aria-invalid={error !== null || tooLong}
          autoFocus
          data-testid="false-positive-comment"
        />
      </label>
      <div className="fp-foot">
        <span className={tooLong ? 'small bad-text' : 'muted small'}>
          {comment.length} / {MAX_COMMENT_CHARS}
        </span>
        {error ? (
          <span className="form-error" role="alert">
            {error}
          </span>
        ) : null}
        <span className="grow" />
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy || tooLong} data-testid="false-positive-save">
          <Icon name="flag" size={14} /> {busy ? 'Saving…' : 'Mark as false positive'}
        </button>
      </div>
    </form>
  );
}

function IncidentView({ incident, onChange }: { incident: Incident; onChange: (i: Incident) => void }) {
  const toast = useToast();
  const me = useDisplayName();
  const now = useNow(1000);
  const [acking, setAcking] = useState(false);
  const [marking, setMarking] = useState(false);
  const canAck = useCan('tester');
  const device = useLiveDevice(incident.host, incident.device);
  const title = `${kindTitle(incident.kind)} on ${device?.name ?? incident.device}`;
  useDocumentTitle(`Incident #${incident.id} · ${kindTitle(incident.kind)}`);

  const acknowledge = async () => {
    setAcking(true);
    try {
      onChange(await monitoringApi.acknowledge(incident.id, me));
      toast.show(`Incident #${incident.id} acknowledged`, 'info');
    } catch (err) {
      toast.show(errorMessage(err));
    } finally {
      setAcking(false);
    }
  };

  return (
    <div className="stack incident-page" data-testid="incident-page" data-status={incident.status}>
      <div className="device-head">
        <BackLink />
        <div className="page-head-row">
          <div className="device-title-row">
            <h1>{title}</h1>
            <IncidentStatusBadge incident={incident} />
            <span className="muted">Incident #{incident.id}</span>
          </div>
          {canAck ? (
            <div className="head-actions">
              <button
                type="button"
                className="button"
                onClick={() => void acknowledge()}
                disabled={acking || incident.acknowledged_at !== null}
                data-testid="acknowledge"
                title={incident.acknowledged_at ? 'Already acknowledged' : 'Say that someone is looking into it'}
              >
                <Icon name="check" size={14} /> {incident.acknowledged_at ? 'Acknowledged' : acking ? 'Acknowledging…' : 'Acknowledge'}
              </button>
              <button
                type="button"
                className="button"
                onClick={() => setMarking(true)}
                disabled={marking || incident.false_positive}
                data-testid="mark-false-positive"
              >
                <Icon name="flag" size={14} /> {incident.false_positive ? 'False positive' : 'Mark as false positive'}
              </button>
            </div>
          ) : <ReadOnlyNote what="acknowledging incidents" />}
        </div>
        <p className="page-sub">
          <KindBadge kind={incident.kind} /> <span className="mono">{incident.device}</span> on <strong>{incident.host}</strong> ·{' '}
          {incident.status === 'active'
            ? `since ${formatDateTimeSeconds(incident.started_at)}`
            : `${formatDateTimeSeconds(incident.started_at)} – ${formatTime(incident.ended_at)}`}
          <IncidentMarkers incident={incident} />
        </p>
      </div>

      {incident.status === 'active' ? (
        <Banner tone="danger" icon="alert">
          <strong>Still going</strong> after {formatIncidentDuration(incidentDurationMs(incident, now))}.{' '}
          <Link to={deviceHref({ host: incident.host, id: incident.device })}>Watch the device</Link>
        </Banner>
      ) : null}

      {marking && canAck && !incident.false_positive ? (
        <FalsePositiveForm
          incident={incident}
          onCancel={() => setMarking(false)}
          onDone={(next) => {
            onChange(next);
            setMarking(false);
            toast.show(`Incident #${incident.id} marked as a false positive`, 'info');
          }}
        />
      ) : null}

      {incident.false_positive ? (
        <section className="panel fp-note" data-testid="false-positive-note">
          <div className="panel-head">
            <h2 className="panel-title">
              <Icon name="flag" size={16} /> Marked as a false positive
            </h2>
          </div>
          <p className="fp-comment">{incident.comment ?? <span className="muted">No comment.</span>}</p>
        </section>
      ) : null}

      <section className="panel" aria-labelledby="facts-title">
        <div className="panel-head">
          <h2 id="facts-title" className="panel-title">
            <Icon name="bell" size={16} /> What happened
          </h2>
        </div>
        <Facts incident={incident} now={now} />
      </section>

      <section className="panel" aria-labelledby="frames-title">
        <div className="panel-head">
          <h2 id="frames-title" className="panel-title">
            <Icon name="camera" size={16} /> Pictures
          </h2>
          <span className="muted small">Click a picture to see it large.</span>
        </div>
        <Frames incident={incident} now={now} />
      </section>
    </div>
  );
}

export function IncidentPage({ params }: PageProps) {
  const id = Number(params.id);
  const valid = Number.isInteger(id) && id > 0;
  const { accept } = useIncidents();
  const [incident, setIncident] = useState<Incident | null>(null);
  const [error, setError] = useState<unknown>(valid ? null : new ApiError(404, 'not_found', 'Not found.'));
  const [attempt, setAttempt] = useState(0);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  useDocumentTitle(`Incident #${params.id ?? ''}`);

  useEffect(() => {
    if (!valid) return undefined;
    const controller = new AbortController();
    monitoringApi.incident(id, controller.signal).then(
      (answer) => {
        setIncident(answer);
        setError(null);
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setError(err);
      },
    );
    return () => controller.abort();
  }, [id, valid, attempt]);

  useServerEvents(
    ['incident.'],
    (event) => {
      const next = incidentOf(event);
      if (next && next.id === id) setIncident(next);
    },
    reload,
  );

  const change = (next: Incident) => {
    setIncident(next);
    accept(next);
  };

  if (incident) return <IncidentView incident={incident} onChange={change} />;
  const failure = pageLoadFailure(error, {
    what: 'incident',
    notFoundMessage: `There is no incident ${params.id ?? ''}.`,
    onRetry: reload,
    offlineNotice: 'The incident will show as soon as the server answers again.',
  });
  return (
    <PageLoader
      back={<BackLink />}
      failure={failure}
      heading={
        <>
          <Skeleton height={30} width={360} />
          <Skeleton height={14} width={240} />
        </>
      }
    >
      <div className="panel skeleton-card tall">
        <Skeleton height={18} width="20%" />
        <Skeleton height={56} />
        <Skeleton height={56} />
      </div>
    </PageLoader>
  );
}
