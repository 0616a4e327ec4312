import { useState } from 'react';
import type { VerifyRun } from '../../hooks/useVerify';
import { formatArea } from '../../lib/area';
import { formatMs } from '../../lib/format';
import { Icon } from '../Icon';

const LABELS: Record<string, [pass: string, fail: string]> = {
  image: ['Found', 'Not found'],
  text: ['Found', 'Not found'],
  black: ['Black', 'Not black'],
  motion: ['Motion', 'No motion'],
  freeze: ['Frozen', 'Not frozen'],
};

export function verdictLabel(kind: string, passed: boolean): string {
  const labels = LABELS[kind] ?? ['Passed', 'Failed'];
  return passed ? labels[0] : labels[1];
}

/** The answer of one check: a pass/fail badge, the numbers, what OCR read and the annotated frame. */
export function Verdict({ run }: { run: VerifyRun }) {
  const { result, response } = run;
  const passed = result?.passed ?? response.passed;
  const kind = result?.kind ?? run.verification.kind;
  const facts: [string, string, string?][] = [];
  if (result?.score != null) facts.push(['Score', result.score.toFixed(3), 'score']);
  if (result?.region) facts.push(['Where', formatArea(result.region), 'region']);
  facts.push(['Time', formatMs(result?.ms ?? response.ms), 'ms']);
  if (result?.waited_ms != null) facts.push(['Waited', formatMs(result.waited_ms), 'waited']);
  if (result?.frames_checked != null) facts.push(['Frames', String(result.frames_checked)]);

  return (
    <div className={`verdict ${passed ? 'verdict-pass' : 'verdict-fail'}`} data-verdict={passed ? 'pass' : 'fail'} role="status">
      <div className="verdict-head">
        <span className={`badge badge-${passed ? 'good' : 'bad'}`}>
          <Icon name={passed ? 'check' : 'close'} size={13} />
          {verdictLabel(kind, passed)}
        </span>
        <span className="verdict-what">
          {run.label} on <strong>{run.device}</strong>
        </span>
      </div>
      {result?.detail ? <p className="verdict-detail">{result.detail}</p> : null}
      {result?.text != null ? (
        <p className="verdict-read">
          <span className="muted">Read</span> <span className="mono" data-testid="verdict-text">“{result.text}”</span>
        </p>
      ) : null}
      <dl className="verdict-facts">
        {facts.map(([label, value, id]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd className="mono" data-fact={id}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
      {result?.annotated_url ? <AnnotatedFrame key={result.annotated_url} url={result.annotated_url} /> : null}
    </div>
  );
}

/** The frame that decided, with what was compared outlined (green: matched, red: not). */
function AnnotatedFrame({ url }: { url: string }) {
  const [failed, setFailed] = useState(false);
  // Hosts keep only their last few annotated frames, so an old one may be gone.
  if (failed) return <p className="muted small">The annotated frame is no longer available.</p>;
  return (
    <a className="verdict-image" href={url} target="_blank" rel="noreferrer" title="Open the full frame">
      <img src={url} alt="The frame that decided, with what was compared outlined" onError={() => setFailed(true)} />
    </a>
  );
}
