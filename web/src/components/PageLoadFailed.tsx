import { ErrorState } from './States';

/** Shown in place of a page whose code could not be downloaded (e.g. the server is not answering). */
export function PageLoadFailed() {
  return (
    <ErrorState
      title="This page could not be loaded"
      message="Its code did not arrive from the vpt server. Reload once the server answers again."
      onRetry={() => window.location.reload()}
    />
  );
}
