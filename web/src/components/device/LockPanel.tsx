import { LOCK_LEASE_SECS } from '../../hooks/useDeviceLock';
import type { DeviceLock } from '../../hooks/useDeviceLock';
import { formatTime } from '../../lib/format';
import { Icon } from '../Icon';

interface LockPanelProps {
  lock: DeviceLock;
  me: string;
  disabled: boolean;
}

export function LockPanel({ lock, me, disabled }: LockPanelProps) {
  let status;
  if (lock.held) {
    status = (
      <p className="lock-status lock-mine">
        You have control as <strong>{me}</strong>. Others cannot press keys until you release it or leave this page (if the
        page closes without a word, the lock lapses within {LOCK_LEASE_SECS} s).
      </p>
    );
  } else if (lock.heldByOther) {
    const who = lock.heldByOther.owner === me ? `${me} (you, in another tab or window)` : lock.heldByOther.owner;
    status = (
      <p className="lock-status lock-other" data-testid="lock-owner">
        Controlled by <strong>{who}</strong>
        {lock.heldByOther.expires_at ? ` until ${formatTime(lock.heldByOther.expires_at)}` : ''}.
      </p>
    );
  } else {
    status = <p className="lock-status muted">Nobody holds this device. Take control to keep others from pressing keys while you work.</p>;
  }

  return (
    <section className="panel" aria-labelledby="lock-title">
      <div className="panel-head">
        <h2 id="lock-title" className="panel-title">
          <Icon name={lock.held ? 'lock' : 'unlock'} size={16} /> Control
        </h2>
        {lock.held ? (
          <button type="button" className="button" onClick={() => void lock.release()} disabled={lock.busy}>
            Release
          </button>
        ) : (
          <button
            type="button"
            className="button button-primary"
            onClick={() => void lock.take()}
            disabled={disabled || lock.busy || (lock.heldByOther !== null && lock.heldByOther.owner !== me)}
          >
            {lock.busy ? 'Taking…' : 'Take control'}
          </button>
        )}
      </div>
      {status}
      {lock.error ? <p className="form-error">{lock.error}</p> : null}
    </section>
  );
}
