import { useCallback, useEffect, useRef, useState } from 'react';
import { navigate } from '../lib/router';

/**
 * A page change asked for right after a save (or a delete), made once the page has nothing
 * unsaved, so the unsaved-changes guard does not stop it. The path waits in a ref; each request
 * also renders the page again, so the change happens even when nothing was unsaved to begin with.
 */
export function useNavigateWhenSaved(dirty: boolean): (path: string) => void {
  const pending = useRef<string | null>(null);
  const [requests, setRequests] = useState(0);
  useEffect(() => {
    const path = pending.current;
    if (path && !dirty) {
      pending.current = null;
      navigate(path, { replace: true });
    }
  }, [requests, dirty]);
  return useCallback((path: string) => {
    pending.current = path;
    setRequests((n) => n + 1);
  }, []);
}
