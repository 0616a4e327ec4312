interface MeterProps {
  label: string;
  value: string;
  /** 0..1, or null when unknown (no bar is drawn). */
  ratio: number | null;
}

export function Meter({ label, value, ratio }: MeterProps) {
  const tone = ratio === null ? '' : ratio >= 0.9 ? ' meter-bad' : ratio >= 0.75 ? ' meter-warn' : '';
  return (
    <div className={`meter${tone}`}>
      <div className="meter-head">
        <span className="meter-label">{label}</span>
        <span className="meter-value">{value}</span>
      </div>
      <div className="meter-track" aria-hidden="true">
        {ratio !== null ? <div className="meter-fill" style={{ width: `${Math.round(ratio * 100)}%` }} /> : null}
      </div>
    </div>
  );
}
