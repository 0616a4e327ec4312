import { useLiveStore } from '../store/LiveStore';
import { Banner } from './States';

/** Shown on every page while the server does not answer, so stale data is never mistaken for live. */
export function OfflineBanner() {
  const { state } = useLiveStore();
  if (state.connection.state !== 'offline') return null;
  const hasData = state.hosts.data !== null;
  return (
    <div className="page-banner">
      <Banner tone="danger" icon="offline">
        <strong>The vpt server is not answering.</strong>{' '}
        {hasData
          ? 'What you see is the last known state; it will refresh by itself when the server is back.'
          : 'This page will load by itself as soon as the server is back.'}
      </Banner>
    </div>
  );
}
