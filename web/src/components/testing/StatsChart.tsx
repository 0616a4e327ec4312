// Runs per day as stacked bars (passed, failed, error, cancelled), drawn as plain SVG.

import type { DayStats, RunStats } from '../../api/testing';
import { formatPercent } from '../../lib/format';

const HEIGHT = 120;
const BAR_GAP = 3;
const SERIES: { key: keyof Omit<DayStats, 'day'>; label: string; className: string }[] = [
  { key: 'passed', label: 'Passed', className: 'bar-passed' },
  { key: 'failed', label: 'Failed', className: 'bar-failed' },
  { key: 'error', label: 'Error', className: 'bar-error' },
  { key: 'cancelled', label: 'Cancelled', className: 'bar-cancelled' },
];

function dayLabel(day: string): string {
  const date = new Date(`${day}T00:00:00`);
  if (Number.isNaN(date.getTime())) return day;
  return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/** Fills days without runs, so the bars sit on a regular calendar (the server may skip them). */
export function fillDays(days: DayStats[], count: number, today = new Date()): DayStats[] {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const out: DayStats[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i));
    const key = d.toISOString().slice(0, 10);
    out.push(byDay.get(key) ?? { day: key, passed: 0, failed: 0, error: 0, cancelled: 0 });
  }
  // Days the server knows outside the window (clock skew) are kept rather than lost.
  const extra = days.filter((d) => !out.some((o) => o.day === d.day));
  return [...out, ...extra].sort((a, b) => a.day.localeCompare(b.day));
}

export function passRate(stats: RunStats): number | null {
  const t = stats.total;
  const decided = (t?.passed ?? 0) + (t?.failed ?? 0) + (t?.error ?? 0);
  if (decided === 0) return null;
  return ((t?.passed ?? 0) / decided) * 100;
}

export function StatsChart({ stats, days }: { stats: RunStats; days: number }) {
  const series = fillDays(stats.days ?? [], days);
  const max = Math.max(1, ...series.map((d) => d.passed + d.failed + d.error + (d.cancelled ?? 0)));
  const width = series.length * 14;
  const barWidth = 14 - BAR_GAP;
  const total = stats.total ?? { passed: 0, failed: 0, error: 0, cancelled: 0 };
  const runs = total.passed + total.failed + total.error + (total.cancelled ?? 0);
  const rate = passRate(stats);
  const first = series[0];
  const last = series[series.length - 1];

  return (
    <div className="stats-chart" data-testid="stats-chart">
      <div className="stats-figures">
        <div className="stat-inline">
          <span className="stat-label">Pass rate</span>
          <span className={`stat-big ${rate === null ? '' : rate >= 90 ? 'good' : rate >= 70 ? 'warn' : 'bad'}`} data-testid="pass-rate">
            {rate === null ? '—' : formatPercent(rate)}
          </span>
        </div>
        <div className="stat-inline">
          <span className="stat-label">Runs</span>
          <span className="stat-big">{runs}</span>
        </div>
        <ul className="chart-legend">
          {SERIES.map((s) => (
            <li key={s.key}>
              <span className={`legend-swatch ${s.className}`} aria-hidden="true" />
              {s.label} <span className="muted">{total[s.key] ?? 0}</span>
            </li>
          ))}
        </ul>
      </div>
      <svg
        className="chart"
        viewBox={`0 0 ${width} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Runs per day over the last ${days} days`}
      >
        <line x1={0} x2={width} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} className="chart-axis" />
        {series.map((d, i) => {
          let y = HEIGHT;
          const x = i * 14 + BAR_GAP / 2;
          const sum = d.passed + d.failed + d.error + (d.cancelled ?? 0);
          return (
            <g key={d.day}>
              <title>
                {`${dayLabel(d.day)}: ${sum} runs — ${d.passed} passed, ${d.failed} failed, ${d.error} error${d.cancelled ? `, ${d.cancelled} cancelled` : ''}`}
              </title>
              <rect x={i * 14} y={0} width={14} height={HEIGHT} className="chart-hit" />
              {SERIES.map((s) => {
                const value = d[s.key] ?? 0;
                if (!value) return null;
                const h = (value / max) * (HEIGHT - 4);
                y -= h;
                return <rect key={s.key} x={x} y={y} width={barWidth} height={h} className={s.className} />;
              })}
            </g>
          );
        })}
      </svg>
      {runs === 0 ? <p className="chart-empty muted small">No run in the last {days} days.</p> : null}
      <div className="chart-axis-labels muted small">
        <span>{first ? dayLabel(first.day) : ''}</span>
        <span>{last ? dayLabel(last.day) : ''}</span>
      </div>
    </div>
  );
}
