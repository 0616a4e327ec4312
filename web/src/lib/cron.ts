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

// ---------- Checking an expression as it is typed ----------

const CRON_FIELDS: { name: string; low: number; high: number; names?: string[]; first?: number }[] = [
  { name: 'minute', low: 0, high: 59 },
  { name: 'hour', low: 0, high: 23 },
  { name: 'day of month', low: 1, high: 31 },
  { name: 'month', low: 1, high: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], first: 1 },
  { name: 'day of week', low: 0, high: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], first: 0 },
];
const CRON_MACROS = ['@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually'];

/**
 * What is wrong with a cron expression, in the words the server uses (`minute: 61 is out of
 * range 0-59`), or null when it reads. The server checks again on save (and knows dates that
 * never come, such as 31 February).
 */
export function cronProblem(expression: string): string | null {
  const text = expression.trim();
  if (text.startsWith('@')) {
    return CRON_MACROS.includes(text.toLowerCase()) ? null : `unknown macro "${text}": one of ${CRON_MACROS.join(', ')}`;
  }
  const parts = text.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) return `expected 5 fields (minute hour day month weekday), found ${parts.length}`;
  for (const [i, part] of parts.entries()) {
    const field = CRON_FIELDS[i];
    if (!field) continue;
    const problem = fieldProblem(field, part);
    if (problem) return `${field.name}: ${problem}`;
  }
  return null;
}

function fieldProblem(field: (typeof CRON_FIELDS)[number], text: string): string | null {
  const value = (v: string): number | string => {
    if (/^\d+$/.test(v)) {
      const n = Number(v);
      return n >= field.low && n <= field.high ? n : `${v} is out of range ${field.low}-${field.high}`;
    }
    const index = field.names?.indexOf(v.toLowerCase()) ?? -1;
    if (index >= 0) return index + (field.first ?? 0);
    return `"${v}" is not ${field.name === 'month' ? 'a number or a month name' : field.name === 'day of week' ? 'a number or a day name' : 'a number'}`;
  };
  for (const item of text.split(',')) {
    if (!item) return `"${text}" has an empty list item`;
    const [range = '', step, extra] = item.split('/');
    if (extra !== undefined) return `step "${step}/${extra}" in "${item}" is not a whole number`;
    if (step !== undefined) {
      if (!/^\d+$/.test(step)) return `step "${step}" in "${item}" is not a whole number`;
      const n = Number(step);
      if (n === 0 || n > field.high) return `step ${n} in "${item}" must be 1 to ${field.high}`;
    }
    if (range === '*') continue;
    const [a = '', b] = range.split('-');
    const start = value(a);
    if (typeof start === 'string') return start;
    if (b !== undefined) {
      let end = value(b);
      if (typeof end === 'string') return end;
      if (field.name === 'day of week' && end === 0 && start > 0) end = 7;
      if (start > end) return `range "${range}" goes backwards`;
    }
  }
  return null;
}
