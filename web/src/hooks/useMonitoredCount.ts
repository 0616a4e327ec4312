import { useEffect, useState } from 'react';
import { monitoringApi } from '../api/monitoring';
import type { Device } from '../api/types';

export interface MonitoredCount {
  /** Devices whose monitoring is on. */
  on: number;
  /** Devices whose settings could be read. */
  known: number;
}

/**
 * How many of `devices` have monitoring turned on (asks each reachable device's host once).
 * null while asking, or when there is no device to ask.
 */
export function useMonitoredCount(devices: Device[] | null, enabled: boolean): MonitoredCount | null {
  const [count, setCount] = useState<MonitoredCount | null>(null);
  const key = (devices ?? [])
    .filter((d) => d.status !== 'offline')
    .map((d) => `${d.host}/${d.id}`)
    .join(',');

  // Nothing to ask about: no count (and none left over for when there is again).
  if ((!enabled || !key) && count !== null) setCount(null);

  useEffect(() => {
    if (!enabled || !key) return undefined;
    const controller = new AbortController();
    const targets = key.split(',').map((k) => {
      const i = k.indexOf('/');
      return [k.slice(0, i), k.slice(i + 1)] as const;
    });
    void Promise.allSettled(targets.map(([host, id]) => monitoringApi.monitor(host, id, controller.signal))).then((answers) => {
      if (controller.signal.aborted) return;
      let on = 0;
      let known = 0;
      for (const answer of answers) {
        if (answer.status !== 'fulfilled') continue;
        known += 1;
        if (answer.value.settings.enabled) on += 1;
      }
      setCount({ on, known });
    });
    return () => controller.abort();
  }, [key, enabled]);

  return count;
}
