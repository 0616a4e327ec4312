// "Run": choose where (a device, or any free one that fits), queue it, and open its page.

import { useState } from 'react';
import { errorMessage } from '../../api/client';
import type { Target } from '../../api/testing';
import { navigate } from '../../lib/router';
import { Icon } from '../Icon';
import { Dialog } from '../nav/Dialog';
import { TargetPicker, cleanTarget } from './TargetPicker';

const LAST_TARGET_KEY = 'vpt.runTarget';

function lastTarget(): Target {
  try {
    const stored: unknown = JSON.parse(window.localStorage.getItem(LAST_TARGET_KEY) ?? '{}');
    return stored && typeof stored === 'object' ? (stored as Target) : {};
  } catch {
    return {};
  }
}

function rememberTarget(target: Target): void {
  try {
    window.localStorage.setItem(LAST_TARGET_KEY, JSON.stringify(target));
  } catch {
    // Storage disabled: the dialog starts from "any free device" next time.
  }
}

interface RunDialogProps {
  /** What runs, e.g. the test case's name. */
  what: string;
  kind?: 'test case' | 'campaign';
  /** A target stored with the thing (a campaign's), offered first. */
  initialTarget?: Target | null;
  needs?: string[];
  /** Queues the run and answers the page to open. */
  start: (target: Target) => Promise<string>;
  onClose: () => void;
}

export function RunDialog({ what, kind = 'test case', initialTarget, needs, start, onClose }: RunDialogProps) {
  const [target, setTarget] = useState<Target>(() => initialTarget ?? lastTarget());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ready = cleanTarget(target);

  const submit = async () => {
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      const to = await start(ready);
      rememberTarget(target);
      onClose();
      navigate(to);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={`Run ${kind} “${what}”`}
      onClose={onClose}
      testId="run-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button button-primary"
            disabled={!ready || busy}
            onClick={() => void submit()}
            data-testid="run-start"
          >
            <Icon name="play" size={14} /> {busy ? 'Queueing…' : 'Run'}
          </button>
        </>
      }
    >
      <p className="muted small">Where should it run?</p>
      <TargetPicker value={target} onChange={setTarget} needs={needs} />
      {!ready ? <p className="muted small">Pick a device first.</p> : null}
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </Dialog>
  );
}
