import type { ConnectionStatus } from '../api/events';
import { useNow } from '../hooks/useNow';

const LABELS = {
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting',
  offline: 'Server offline',
} as const;

const TONES = {
  connecting: 'muted',
  connected: 'good',
  reconnecting: 'warn',
  offline: 'bad',
} as const;

const HINTS = {
  connecting: 'Opening the live event stream.',
  connected: 'Receiving live updates from the server.',
  reconnecting: 'The live event stream dropped; reconnecting.',
  offline: 'The vpt server does not answer. Pages show the last known data.',
} as const;

export function ConnectionIndicator({ status }: { status: ConnectionStatus }) {
  const now = useNow(1000);
  const retryIn =
    status.retryAt !== null && status.state !== 'connected'
      ? Math.max(0, Math.ceil((status.retryAt - now) / 1000))
      : null;
  return (
    <div
      className={`connection connection-${TONES[status.state]}`}
      title={HINTS[status.state]}
      data-state={status.state}
      role="status"
      aria-live="polite"
    >
      <span className="connection-dot" aria-hidden="true" />
      <span className="connection-label">{LABELS[status.state]}</span>
      {retryIn !== null && retryIn > 0 ? <span className="connection-retry">retry in {retryIn} s</span> : null}
    </div>
  );
}
