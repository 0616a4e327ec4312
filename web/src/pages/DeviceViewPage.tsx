import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/client';
import { api, streamUrl } from '../api/endpoints';
import { incidentHref } from '../api/monitoring';
import type { Incident } from '../api/monitoring';
import type { Device, Host } from '../api/types';
import { AreaLayer } from '../components/device/AreaLayer';
import { DeviceFacts, ScreenshotLinks } from '../components/device/DeviceFacts';
import { LivePicture } from '../components/device/LivePicture';
import type { PictureBlocker } from '../components/device/LivePicture';
import { LockPanel } from '../components/device/LockPanel';
import { MonitoringPanel } from '../components/device/MonitoringPanel';
import { NewReferencePanel } from '../components/device/NewReferencePanel';
import { PowerPanel } from '../components/device/PowerPanel';
import { RemotePad } from '../components/device/RemotePad';
import { SimFaultsPanel } from '../components/device/SimFaultsPanel';
import { TextSender } from '../components/device/TextSender';
import { ReplayPicture, TimelineBar, useTimeline } from '../components/device/Timeline';
import { Icon } from '../components/Icon';
import { PageLoader, pageLoadFailure } from '../components/PageLoader';
import type { PageLoadFailure } from '../components/PageLoader';
import { Banner, Skeleton } from '../components/States';
import { DeviceStatusBadge } from '../components/StatusBadge';
import { useToast } from '../components/Toasts';
import { useAreaSelection } from '../hooks/useAreaSelection';
import { LOCK_LEASE_SECS, useDeviceLock } from '../hooks/useDeviceLock';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useNow } from '../hooks/useNow';
import { useRemoteKeyboard } from '../hooks/useRemoteKeyboard';
import { formatAgo, formatDateTime, formatTime } from '../lib/format';
import { formatIncidentDuration, incidentDurationMs, kindIcon, kindTitle } from '../lib/incidents';
import { useDisplayName } from '../lib/identity';
import { keyLabel } from '../lib/remoteKeys';
import { Link } from '../lib/router';
import type { PageProps } from '../routes';
import { useCan } from '../store/Auth';
import { useIncidents } from '../store/Incidents';
import { useLiveDevice, useLiveStore } from '../store/LiveStore';

function BackLink() {
  return (
    <Link to="/devices" className="back-link">
      <Icon name="left" size={16} /> All devices
    </Link>
  );
}

/**
 * What the device is showing, said on the picture: offline, no signal and capture errors cover
 * it; a black or frozen screen (an active incident) is tagged on it. The readout then says the
 * same instead of "Live".
 */
function pictureBlocker(device: Device, hostOnline: boolean, hostName: string, incident: Incident | null): PictureBlocker | null {
  if (!hostOnline || device.status === 'offline') {
    return { icon: 'offline', title: 'Host offline', detail: `${hostName} is not connected to the server.`, tone: 'offline', state: 'Offline' };
  }
  if (device.status === 'no_signal' || incident?.kind === 'no_signal') {
    return {
      icon: 'nosignal',
      title: 'No signal',
      detail: 'The capture source delivers no picture. Is the device on and its HDMI cable connected?',
      tone: 'warn',
      state: 'No signal',
      // Only an incident is sure; the device status alone gives way to fresh frames.
      hideWhileLive: incident?.kind !== 'no_signal',
    };
  }
  if (device.status === 'error') {
    return { icon: 'alert', title: 'Capture error', detail: device.capture?.error ?? undefined, tone: 'bad', state: 'Capture error' };
  }
  if (incident) {
    return {
      icon: kindIcon(incident.kind),
      title: kindTitle(incident.kind),
      detail: `since ${formatTime(incident.started_at)}`,
      tone: 'bad',
      state: kindTitle(incident.kind),
      tag: true,
    };
  }
  return null;
}

function DeviceView({ device, host }: { device: Device; host: Host | null }) {
  const toast = useToast();
  const me = useDisplayName();
  const now = useNow(1000);
  const hostOnline = host ? host.status === 'online' : device.status !== 'offline';
  const hostName = host?.name ?? device.host;
  const lock = useDeviceLock(device.host, device.id, me, device.lock);
  // Viewers watch: no lock, remote, power, faults, references or monitoring changes.
  const canControl = useCan('tester');

  const { state } = useLiveStore();
  const serverOffline = state.connection.state === 'offline';
  const blockedByLock = lock.heldByOther !== null;
  const controlsDisabled = serverOffline || !hostOnline || blockedByLock;
  const remoteKeys = device.remote?.keys ?? [];
  const remoteDisabled = controlsDisabled || !device.remote;
  // While someone else holds the device the pad stays pressable: a press says why it was not sent.
  const padDisabled = serverOffline || !hostOnline || !device.remote;
  const hasCapture = device.capture !== null || device.capabilities.includes('capture');
  const hasPower = device.power !== null || device.capabilities.includes('power');
  const isSim = device.capabilities.includes('sim');

  const onControlError = useCallback(
    (err: unknown) => {
      toast.show(errorMessage(err));
      lock.noteRefusal(err);
    },
    [toast, lock],
  );
  const onFaultError = useCallback(
    (err: unknown) => {
      toast.show(`Faults unchanged: ${errorMessage(err)}`);
      lock.noteRefusal(err);
    },
    [toast, lock],
  );

  const [flash, setFlash] = useState<{ key: string; seq: number } | null>(null);
  const pressesInFlight = useRef(0);
  const { token, heldByOther } = lock;
  const [refusedKey, setRefusedKey] = useState<{ key: string; owner: string; expiresAt: string } | null>(null);
  const press = useCallback(
    (key: string, isRepeat: boolean) => {
      if (heldByOther) {
        if (!isRepeat) setRefusedKey({ key, owner: heldByOther.owner, expiresAt: heldByOther.expires_at });
        return;
      }
      setRefusedKey(null);
      setFlash((prev) => ({ key, seq: (prev?.seq ?? 0) + 1 }));
      // Repeats are skipped while a press is still in flight, so a slow host is not flooded.
      if (isRepeat && pressesInFlight.current > 0) return;
      pressesInFlight.current += 1;
      api
        .press(device.host, device.id, key, token)
        .catch(onControlError)
        .finally(() => {
          pressesInFlight.current -= 1;
        });
    },
    [device.host, device.id, token, onControlError, heldByOther],
  );
  // The note goes once nobody else holds the device.
  const [noteHolder, setNoteHolder] = useState(heldByOther);
  if (noteHolder !== heldByOther) {
    setNoteHolder(heldByOther);
    if (!heldByOther) setRefusedKey(null);
  }

  useRemoteKeyboard(canControl && !padDisabled, remoteKeys, press);

  const [replayAt, setReplayAt] = useState<number | null>(null);
  const timeline = useTimeline(device.host, device.id, hostOnline && hasCapture);
  const incident = useIncidents().activeFor(device.host, device.id);

  // The live stream is closed while a past frame is shown.
  const url = hostOnline && hasCapture && replayAt === null ? streamUrl(device.host, device.id) : null;
  const selection = useAreaSelection();
  const selectDisabled = url === null || device.status !== 'ok';

  return (
    <div className="device-view">
      <div className="device-head">
        <BackLink />
        <div className="device-title-row">
          <h1>{device.name}</h1>
          <DeviceStatusBadge status={hostOnline ? device.status : 'offline'} incident={hostOnline ? incident : null} />
        </div>
        <p className="page-sub">
          {device.model} on <strong>{hostName}</strong> · <span className="mono">{device.id}</span>
        </p>
      </div>

      {!hostOnline ? (
        <Banner tone="danger" icon="offline">
          <strong>{hostName} is offline</strong> (last seen {formatAgo(host?.last_seen, now)}). Controls are disabled until it
          reconnects.
        </Banner>
      ) : null}
      {incident ? (
        <Banner tone="danger" icon="alert">
          <span data-testid="device-incident">
            <strong>{kindTitle(incident.kind)}</strong> since {formatDateTime(incident.started_at)} (
            {formatIncidentDuration(incidentDurationMs(incident, now))}).{' '}
            <Link to={incidentHref(incident.id)}>Open incident #{incident.id}</Link>
          </span>
        </Banner>
      ) : null}
      {hostOnline && device.status === 'error' && device.capture?.error ? (
        <Banner tone="danger">
          <strong>Capture failed:</strong> {device.capture.error}
        </Banner>
      ) : null}

      <div className="device-layout">
        <div className="device-picture">
          {hasCapture && replayAt !== null ? (
            <ReplayPicture host={device.host} device={device.id} t={replayAt} label={`${device.name}`} />
          ) : hasCapture ? (
            <LivePicture
              url={url}
              blocker={pictureBlocker(device, hostOnline, hostName, incident)}
              label={`Live picture of ${device.name}`}
              frameOverlay={(frame) => (
                <AreaLayer
                  frame={frame}
                  selecting={selection.selecting}
                  area={selection.area}
                  onArea={selection.setArea}
                  highlight={selection.highlight}
                />
              )}
              tools={
                canControl ? (
                  <button
                    type="button"
                    className="button button-sm"
                    aria-pressed={selection.selecting}
                    onClick={() => (selection.selecting ? selection.stop() : selection.setSelecting(true))}
                    disabled={selectDisabled && !selection.selecting}
                    title="Drag a rectangle on the picture to make a reference of it or check it"
                  >
                    <Icon name="select" size={14} /> Select area
                  </button>
                ) : undefined
              }
            />
          ) : (
            <div className="picture">
              <div className="picture-frame">
                <div className="picture-overlay">
                  <Icon name="camera" size={36} />
                  <span className="overlay-title">This device has no capture source</span>
                </div>
              </div>
            </div>
          )}
          {hasCapture && hostOnline ? (
            <TimelineBar
              host={device.host}
              device={device.id}
              state={timeline}
              position={replayAt}
              onPosition={setReplayAt}
              disabled={false}
            />
          ) : null}
        </div>
        <section className="panel device-facts">
          <div className="panel-head">
            <h2 className="panel-title">
              <Icon name="camera" size={16} /> Screenshot
            </h2>
            {hasCapture ? <ScreenshotLinks device={device} disabled={!hostOnline} /> : null}
          </div>
          <DeviceFacts device={device} />
        </section>
        {hasCapture ? (
          <div className="device-monitoring">
            <MonitoringPanel
              host={device.host}
              device={device.id}
              disabled={serverOffline || !hostOnline}
              readOnly={!canControl}
              incident={incident}
              onSaved={(message) => toast.show(message, 'info')}
            />
          </div>
        ) : null}

        <aside className="device-side">
          {canControl ? (
            <>
              {selection.selecting ? (
                <NewReferencePanel
                  device={device}
                  area={selection.area}
                  disabled={serverOffline || selectDisabled}
                  onClearArea={() => selection.setArea(null)}
                  onClose={selection.stop}
                  onChecked={selection.showRun}
                />
              ) : null}
              <LockPanel lock={lock} me={me} disabled={serverOffline || !hostOnline} />
              <section className="panel" aria-labelledby="remote-title">
                <div className="panel-head">
                  <h2 id="remote-title" className="panel-title">
                    <Icon name="devices" size={16} /> Remote
                  </h2>
                  {device.remote ? <span className="muted small">{device.remote.kind}</span> : null}
                </div>
                {device.remote ? (
                  <>
                    <RemotePad keys={remoteKeys} disabled={padDisabled} blocked={blockedByLock} onPress={press} flash={flash} />
                    {refusedKey ? (
                      <p className="form-error key-refused" role="alert" data-testid="key-refused">
                        <Icon name="lock" size={14} />
                        <span>
                          {keyLabel(refusedKey.key)} was not sent: <strong>{refusedKey.owner === me ? `${me} (you, in another tab or window)` : refusedKey.owner}</strong> has
                          control of this device
                          {refusedKey.expiresAt ? ` until ${formatTime(refusedKey.expiresAt)} unless they renew it` : ''}. Ask them to release it; a
                          lock whose page was closed lapses within {LOCK_LEASE_SECS} s.
                        </span>
                      </p>
                    ) : null}
                    <TextSender
                      host={device.host}
                      id={device.id}
                      disabled={remoteDisabled}
                      lockToken={token}
                      onError={onControlError}
                      onSent={(text) => toast.show(`Sent “${text}”`, 'info')}
                    />
                  </>
                ) : (
                  <p className="muted small">This device has no remote configured.</p>
                )}
              </section>
              {hasPower ? (
                <PowerPanel
                  host={device.host}
                  id={device.id}
                  initialState={device.power?.state ?? null}
                  disabled={controlsDisabled}
                  lockToken={token}
                  onError={onControlError}
                />
              ) : null}
              {isSim ? (
                <SimFaultsPanel
                  key={`${device.host}/${device.id}`}
                  host={device.host}
                  device={device.id}
                  disabled={controlsDisabled}
                  lockToken={token}
                  onError={onFaultError}
                />
              ) : null}
            </>
          ) : (
            <>
              <section className="panel" aria-labelledby="watch-title" data-testid="watch-only">
                <div className="panel-head">
                  <h2 id="watch-title" className="panel-title">
                    <Icon name="eye" size={16} /> Watching
                  </h2>
                </div>
                <p className="muted small">
                  {lock.heldByOther ? (
                    <>
                      Controlled by <strong>{lock.heldByOther.owner}</strong>.{' '}
                    </>
                  ) : null}
                  You see the live picture, the timeline and the monitoring settings. Pressing keys, switching the power,
                  simulating faults and making references need the tester role.
                </p>
              </section>
              {hasPower ? (
                <PowerPanel
                  host={device.host}
                  id={device.id}
                  initialState={device.power?.state ?? null}
                  disabled
                  readOnly
                  lockToken={null}
                  onError={onControlError}
                />
              ) : null}
            </>
          )}
        </aside>
      </div>
    </div>
  );
}

function DeviceViewLoader({ failure }: { failure: PageLoadFailure | null }) {
  return (
    <PageLoader
      back={<BackLink />}
      failure={failure}
      className="device-view"
      heading={
        <>
          <Skeleton height={30} width={280} />
          <Skeleton height={14} width={200} />
        </>
      }
    >
      <div className="device-layout">
        <div className="device-picture">
          <div className="picture">
            <div className="picture-frame">
              <div className="thumb-loading" />
            </div>
          </div>
        </div>
        <aside className="device-side">
          <div className="panel skeleton-card">
            <Skeleton height={18} width="40%" />
            <Skeleton height={12} width="80%" />
          </div>
          <div className="panel skeleton-card tall">
            <Skeleton height={18} width="30%" />
            <Skeleton height={200} />
          </div>
        </aside>
      </div>
    </PageLoader>
  );
}

export function DeviceViewPage({ params }: PageProps) {
  const hostId = params.host ?? '';
  const deviceId = params.id ?? '';
  const { state, putDevice } = useLiveStore();
  const device = useLiveDevice(hostId, deviceId);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useDocumentTitle(device?.name ?? deviceId);

  // A new request (another device, "Try again") hides the last one's error.
  const request = `${hostId}\n${deviceId}\n${attempt}`;
  const [errorOf, setErrorOf] = useState(request);
  if (errorOf !== request) {
    setErrorOf(request);
    setLoadError(null);
  }

  useEffect(() => {
    const controller = new AbortController();
    api.device(hostId, deviceId, controller.signal).then(
      (fetched) => putDevice(hostId, fetched),
      (err: unknown) => {
        if (!controller.signal.aborted) setLoadError(err);
      },
    );
    return () => controller.abort();
  }, [hostId, deviceId, putDevice, attempt]);

  const host = state.hosts.data?.[hostId] ?? null;

  if (device) return <DeviceView device={device} host={host} />;

  const listLoaded = state.devices.data !== null;
  // A device missing from a list still loading may only be late: keep the placeholders until then.
  const failure =
    loadError && (listLoaded || state.devices.error)
      ? pageLoadFailure(loadError, {
          what: 'device',
          notFoundMessage: `There is no device “${deviceId}” on host “${hostId}”. It may have been renamed or removed from the host's configuration.`,
          onRetry: () => setAttempt((n) => n + 1),
        })
      : null;
  return <DeviceViewLoader failure={failure} />;
}
