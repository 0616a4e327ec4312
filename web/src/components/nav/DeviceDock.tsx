// The device docked beside the graph: pick it, watch it live, control it (and record keys).

import type { Device } from '../../api/types';
import { streamUrl } from '../../api/endpoints';
import type { DeviceLock } from '../../hooks/useDeviceLock';
import { deviceKey } from '../../store/liveState';
import { LivePicture } from '../device/LivePicture';
import { RemotePad } from '../device/RemotePad';
import { formatTime } from '../../lib/format';
import { usePreference } from '../../lib/preferences';
import { Icon } from '../Icon';

interface DeviceDockProps {
  devices: Device[];
  device: Device | null;
  onChoose: (key: string) => void;
  lock: DeviceLock | null;
  me: string;
  controlsDisabled: boolean;
  /** False for roles that may not control devices: the lock and the remote are left out. */
  canControl?: boolean;
  onPress: (key: string, isRepeat: boolean) => void;
  flash: { key: string; seq: number } | null;
  /** What the remote's presses are being recorded into, in words, or null. */
  recordingInto: string | null;
  onStopRecording: () => void;
  /** Node the device is known to be on (from the last job). */
  position: string | null;
}

/** The device's control lock in one line: who holds it, and take or release it. */
function LockRow({ lock, me }: { lock: DeviceLock; me: string }) {
  const other = lock.heldByOther;
  const otherName = other ? (other.owner === me ? `${me} (you, elsewhere)` : other.owner) : null;
  return (
    <div className={`lock-row${other ? ' lock-row-other' : ''}`} data-testid="nav-lock">
      <Icon name={lock.held || other ? 'lock' : 'unlock'} size={15} />
      <span className="lock-row-text">
        {lock.held ? (
          <>You control this device; others cannot press keys or navigate it.</>
        ) : other ? (
          <>
            Controlled by <strong>{otherName}</strong>
            {other.expires_at ? ` until ${formatTime(other.expires_at)}` : ''}: you cannot navigate it now.
          </>
        ) : (
          <>Nobody controls this device.</>
        )}
      </span>
      {lock.held ? (
        <button type="button" className="button button-sm" onClick={() => void lock.release()} disabled={lock.busy}>
          Release
        </button>
      ) : (
        <button type="button" className="button button-sm" onClick={() => void lock.take()} disabled={lock.busy || (other !== null && other.owner !== me)}>
          {lock.busy ? 'Taking…' : 'Take control'}
        </button>
      )}
      {lock.error ? <span className="form-error">{lock.error}</span> : null}
    </div>
  );
}

export function DeviceDock(props: DeviceDockProps) {
  const { devices, device, onChoose, lock, me, controlsDisabled, canControl = true, onPress, flash, recordingInto, onStopRecording, position } = props;
  const manyHosts = new Set(devices.map((d) => d.host)).size > 1;
  // The picture can be folded away, leaving the column to the tabs under it (remembered).
  const [picture, , rememberPicture] = usePreference('vpt.nav.picture', 'shown');
  const pictureShown = picture !== 'hidden';
  return (
    <section className="panel nav-dock" aria-label="Docked device">
      <div className="panel-head">
        <label className="field-inline nav-device-pick">
          <span className="field-label">Device</span>
          <select
            className="input select"
            value={device ? deviceKey(device.host, device.id) : ''}
            onChange={(e) => onChoose(e.target.value)}
            disabled={devices.length === 0}
            data-testid="nav-device"
          >
            {devices.length === 0 ? <option value="">No device online</option> : null}
            {devices.map((d) => (
              <option key={deviceKey(d.host, d.id)} value={deviceKey(d.host, d.id)}>
                {d.name} ({manyHosts ? `${d.host}/` : ''}
                {d.id})
              </option>
            ))}
          </select>
        </label>
        {position ? (
          <span className="badge badge-good" title="Where the last navigation left the device">
            <span className="badge-dot" /> at {position}
          </span>
        ) : null}
        {device ? (
          <button
            type="button"
            className="button button-sm nav-picture-toggle"
            aria-expanded={pictureShown}
            onClick={() => rememberPicture(pictureShown ? 'hidden' : 'shown')}
            data-testid="nav-picture-toggle"
          >
            <Icon name="eye" size={13} /> {pictureShown ? 'Hide picture' : 'Show picture'}
          </button>
        ) : null}
      </div>
      {device ? (
        <>
          {pictureShown ? (
            <LivePicture url={streamUrl(device.host, device.id, { width: 640 })} blocker={null} label={`Live picture of ${device.name}`} />
          ) : null}
          {recordingInto ? (
            <div className="recording-bar" role="status">
              <span className="rec-dot" aria-hidden="true" />
              <span>
                Recording into <strong>{recordingInto}</strong>: press keys on the remote or the keyboard arrows
              </span>
              <button type="button" className="button button-sm" onClick={onStopRecording}>
                Stop
              </button>
            </div>
          ) : null}
          {lock ? <LockRow lock={lock} me={me} /> : null}
          {canControl ? (
            <details className="nav-remote" open={recordingInto !== null}>
              <summary>
                <Icon name="devices" size={15} /> Remote
              </summary>
              {device.remote ? (
                <RemotePad keys={device.remote.keys} disabled={controlsDisabled} onPress={onPress} flash={flash} />
              ) : (
                <p className="muted small">This device has no remote configured.</p>
              )}
            </details>
          ) : null}
        </>
      ) : (
        <p className="muted small">Start a host with a device to watch it here, take screenshots and send it to a node.</p>
      )}
    </section>
  );
}
