// Short words for the cron expressions people write most; anything else is shown as written.

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export const CRON_PRESETS: { cron: string; label: string }[] = [
  { cron: '*/15 * * * *', label: 'Every 15 minutes' },
  { cron: '0 * * * *', label: 'Every hour' },
  { cron: '0 2 * * *', label: 'Every night at 02:00 UTC' },
  { cron: '0 6 * * 1-5', label: 'Weekdays at 06:00 UTC' },
  { cron: '0 3 * * 0', label: 'Sundays at 03:00 UTC' },
];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** "02:00 UTC (03:00 here)" for an hour and minute in UTC. */
function utcTime(hour: number, minute: number): string {
  const d = new Date();
  d.setUTCHours(hour, minute, 0, 0);
  const local = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const utc = `${pad(hour)}:${pad(minute)} UTC`;
  return d.getHours() === hour && d.getMinutes() === minute ? utc : `${utc} (${local} here)`;
}

const isNum = (s: string | undefined, max: number) => s !== undefined && /^\d+$/.test(s) && Number(s) <= max;

/** A sentence for common expressions ("Every day at 02:00 UTC (03:00 here)"), or null. */
export function describeCron(expression: string): string | null {
  const cron = expression.trim().toLowerCase();
  const macros: Record<string, string> = {
    '@hourly': 'Every hour, on the hour',
    '@daily': `Every day at ${utcTime(0, 0)}`,
    '@midnight': `Every day at ${utcTime(0, 0)}`,
    '@weekly': `Every Sunday at ${utcTime(0, 0)}`,
    '@monthly': `On the 1st of every month at ${utcTime(0, 0)}`,
  };
  if (macros[cron]) return macros[cron];
  const fields = cron.split(/\s+/);
  if (fields.length !== 5) return null;
  const [min, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const everyDay = dom === '*' && month === '*';
  const step = /^\*\/(\d+)$/;
  if (step.test(min) && hour === '*' && everyDay && dow === '*') return `Every ${step.exec(min)?.[1]} minutes`;
  if (min === '*' && hour === '*' && everyDay && dow === '*') return 'Every minute';
  if (isNum(min, 59) && hour === '*' && everyDay && dow === '*') return `Every hour at ${pad(Number(min))} past`;
  if (isNum(min, 59) && step.test(hour) && everyDay && dow === '*') return `Every ${step.exec(hour)?.[1]} hours at ${pad(Number(min))} past`;
  if (!isNum(min, 59) || !isNum(hour, 23) || !everyDay) return null;
  const at = utcTime(Number(hour), Number(min));
  if (dow === '*') return `Every day at ${at}`;
  if (dow === '1-5' || dow === 'mon-fri') return `Weekdays at ${at}`;
  if (dow === '0,6' || dow === '6,0' || dow === 'sat,sun') return `Weekends at ${at}`;
  if (isNum(dow, 7)) return `Every ${DAY_NAMES[Number(dow)]} at ${at}`;
  return null;
}

/** An RFC 3339 time as the value of an `<input type="datetime-local">` (local time). */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The value of a `datetime-local` input as RFC 3339 (UTC), or undefined when empty. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** "in 3 h 12 min", "in 40 s", "now". */
export function formatIn(iso: string | null | undefined, now: number): string {
  if (!iso) return '';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '';
  const secs = Math.round((at - now) / 1000);
  if (secs <= 0) return 'now';
  const d = Math.floor(secs / 86_400);
  const h = Math.floor((secs % 86_400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  if (d > 0) return `in ${d} d${h ? ` ${h} h` : ''}`;
  if (h > 0) return `in ${h} h${m ? ` ${m} min` : ''}`;
  if (m > 0) return `in ${m} min`;
  return `in ${secs} s`;
}
