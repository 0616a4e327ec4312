import { useCallback, useState } from 'react';
import { errorMessage } from '../api/client';
import { api } from '../api/endpoints';
import type { Verification, VerificationResult, VerifyResponse } from '../api/types';
import { useToast } from '../components/Toasts';

/** One finished check: what was asked, on which device, and the answer. */
export interface VerifyRun {
  /** What was checked, in words ("home_settings_tile", "Is it black?"). */
  label: string;
  device: string;
  verification: Verification;
  response: VerifyResponse;
  /** The single verification's result (a run asks exactly one). */
  result: VerificationResult | null;
}

export interface Verifier {
  /** The label of the check in progress, or null. */
  running: string | null;
  last: VerifyRun | null;
  run: (host: string, device: string, verification: Verification, label: string) => Promise<VerifyRun | null>;
  clear: () => void;
}

/**
 * Runs one verification on a device. A failed verdict is a normal answer and is kept in `last`;
 * only a refused request (HTTP error) becomes a toast.
 */
export function useVerify(): Verifier {
  const toast = useToast();
  const [running, setRunning] = useState<string | null>(null);
  const [last, setLast] = useState<VerifyRun | null>(null);

  const run = useCallback(
    async (host: string, device: string, verification: Verification, label: string) => {
      setRunning(label);
      try {
        const response = await api.verify(host, device, { verifications: [verification] });
        const done: VerifyRun = { label, device, verification, response, result: response.results[0] ?? null };
        setLast(done);
        return done;
      } catch (err) {
        toast.show(errorMessage(err));
        return null;
      } finally {
        setRunning(null);
      }
    },
    [toast],
  );

  const clear = useCallback(() => setLast(null), []);
  return { running, last, run, clear };
}
