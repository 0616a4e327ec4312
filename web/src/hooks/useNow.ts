import { useEffect, useState } from 'react';

/** Current epoch ms, refreshed every `intervalMs`, for "12 s ago" and ticking uptimes. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
