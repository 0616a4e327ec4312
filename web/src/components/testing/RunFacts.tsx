// The facts of a run or a campaign run: when it was queued, started and finished, how long it
// took, and whatever the page adds (its device, who started it, the time limit…).

import type { ReactNode } from 'react';
import { formatDateTime } from '../../lib/format';
import { formatRunDuration } from '../../lib/testSteps';

export function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

interface RunTimes {
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
}

interface RunFactsProps {
  run: RunTimes;
  /** How long it ran (so far, while running); null before it starts. */
  durationMs: number | null;
  durationTestId?: string;
  /** Facts shown before the times. */
  lead?: ReactNode;
  /** Facts shown after the duration. */
  children?: ReactNode;
}

export function RunFacts({ run, durationMs, durationTestId, lead, children }: RunFactsProps) {
  return (
    <dl className="facts run-facts">
      {lead}
      <Fact label="Queued">{formatDateTime(run.queued_at)}</Fact>
      <Fact label="Started">{formatDateTime(run.started_at)}</Fact>
      <Fact label="Finished">{formatDateTime(run.finished_at)}</Fact>
      <Fact label="Duration" testId={durationTestId}>
        {formatRunDuration(durationMs)}
      </Fact>
      {children}
    </dl>
  );
}
