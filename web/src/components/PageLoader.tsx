// The shell a detail page (a run, an incident, a device, an editor…) shows before it has its
// subject: placeholders while it loads, or why it could not be opened, both under the page's back
// link so one can always leave.

import type { ReactNode } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { useLiveStore } from '../store/LiveStore';
import { Banner, ErrorState } from './States';

/** What the error panel of a page that could not be opened says. */
export interface PageLoadFailure {
  title: string;
  message: string;
  /** Left out when trying again cannot help (the thing does not exist). */
  onRetry?: () => void;
  /** Shown above the error while the server is unreachable: the page will come back by itself. */
  offlineNotice?: string;
}

interface FailureWording {
  /** What the page shows, as in "No such run" / "Could not open this run". */
  what: string;
  /** The message when the server answered 404 (or `missing` is set). */
  notFoundMessage: string;
  /** True when the address itself cannot name one (e.g. a non-numeric id). */
  missing?: boolean;
  onRetry?: () => void;
  offlineNotice?: string;
}

/**
 * The failure to show for a load error, or null when there is none. "Not found" gets its own
 * wording and no retry or offline notice, since neither would bring the page.
 */
export function pageLoadFailure(error: unknown, wording: FailureWording): PageLoadFailure | null {
  if (!error) return null;
  const notFound = wording.missing === true || (error instanceof ApiError && error.status === 404);
  if (notFound) return { title: `No such ${wording.what}`, message: wording.notFoundMessage };
  return {
    title: `Could not open this ${wording.what}`,
    message: typeof error === 'string' ? error : errorMessage(error),
    onRetry: wording.onRetry,
    offlineNotice: wording.offlineNotice,
  };
}

interface PageLoaderProps {
  /** The page's own back link. */
  back: ReactNode;
  /** Why the page could not be opened; null while it is still loading. */
  failure: PageLoadFailure | null;
  /** The page's outer class, so the placeholders sit where the page's parts will. */
  className?: string;
  /** Placeholders beside the back link, for the page's title lines. */
  heading?: ReactNode;
  /** Placeholders for the page's body. */
  children?: ReactNode;
}

export function PageLoader({ back, failure, className = 'stack', heading, children }: PageLoaderProps) {
  if (failure) {
    return (
      <div className={className}>
        <div className="device-head">{back}</div>
        {failure.offlineNotice ? <OfflineNotice text={failure.offlineNotice} /> : null}
        <ErrorState title={failure.title} message={failure.message} onRetry={failure.onRetry} />
      </div>
    );
  }
  return (
    <div className={className} aria-busy="true">
      <div className="device-head">
        {back}
        {heading}
      </div>
      {children}
    </div>
  );
}

function OfflineNotice({ text }: { text: string }) {
  const { state } = useLiveStore();
  if (state.connection.state !== 'offline') return null;
  return (
    <Banner tone="danger" icon="offline">
      {text}
    </Banner>
  );
}
