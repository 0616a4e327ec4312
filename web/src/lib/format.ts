// Human-friendly numbers for people watching racks, not for machines.

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** 1536 → "1.5 KB"; binary multiples, labelled the way most people read them. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value >= 100 ? 0 : 1;
  return `${value.toFixed(digits).replace(/\.0$/, '')} ${BYTE_UNITS[unit]}`;
}

/** "3.1 GB / 7.6 GB" */
export function formatUsage(used: number | null | undefined, total: number | null | undefined): string {
  if (used == null || total == null) return '—';
  return `${formatBytes(used)} / ${formatBytes(total)}`;
}

export function usageRatio(used: number | null | undefined, total: number | null | undefined): number | null {
  if (used == null || total == null || total <= 0) return null;
  return Math.min(1, Math.max(0, used / total));
}

/** 11520 → "3 h 12 min"; 42 → "42 s"; 200000 → "2 d 7 h". */
export function formatDuration(secs: number | null | undefined): string {
  if (secs === null || secs === undefined || !Number.isFinite(secs) || secs < 0) return '—';
  const s = Math.floor(secs);
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  if (minutes > 0) return `${minutes} min`;
  return `${s} s`;
}

/** "just now", "12 s ago", "5 min ago", or a date for anything older than a day. */
export function formatAgo(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '—';
  const secs = Math.max(0, Math.round((now - at) / 1000));
  if (secs < 3) return 'just now';
  if (secs < 86_400) return `${formatDuration(secs)} ago`;
  return formatDateTime(iso);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** Like formatDateTime, with seconds (for incidents, where seconds matter). */
export function formatDateTimeSeconds(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} %`;
}

/** Uptime as of now, given a value read at `loadedAt`. */
export function tickingUptime(uptimeSecs: number | null | undefined, loadedAt: number | null, now: number): number | null {
  if (uptimeSecs == null) return null;
  if (loadedAt === null) return uptimeSecs;
  return uptimeSecs + Math.max(0, (now - loadedAt) / 1000);
}

const CAPABILITY_LABELS: Record<string, string> = {
  capture: 'Capture',
  remote: 'Remote',
  power: 'Power',
  text: 'Text input',
  adb: 'ADB',
  sim: 'Simulated',
};

export function capabilityLabel(capability: string): string {
  return CAPABILITY_LABELS[capability] ?? capability.charAt(0).toUpperCase() + capability.slice(1).replace(/_/g, ' ');
}

/** 3.14 → "3.1 ms"; 131.2 → "131 ms"; 2400 → "2.40 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}
