import { useCallback, useEffect, useState } from 'react';
import type { Area } from '../api/types';
import type { AreaHighlight } from '../components/device/AreaLayer';
import { verdictLabel } from '../components/verify/Verdict';
import type { VerifyRun } from './useVerify';

/** How long the region a check looked at stays outlined on the picture. */
const HIGHLIGHT_MS = 3000;

/** Area selection and the outline of the last check, drawn over the live picture. */
export function useAreaSelection() {
  const [selecting, setSelecting] = useState(false);
  const [area, setArea] = useState<Area | null>(null);
  const [highlight, setHighlight] = useState<AreaHighlight | null>(null);

  useEffect(() => {
    if (!highlight) return;
    const timer = window.setTimeout(() => setHighlight(null), HIGHLIGHT_MS);
    return () => window.clearTimeout(timer);
  }, [highlight]);

  const showRun = useCallback(
    (run: VerifyRun) => {
      const result = run.result;
      const passed = result?.passed ?? run.response.passed;
      const region = result?.region ?? run.verification.region ?? area;
      if (!region) return;
      setHighlight((prev) => ({
        area: region,
        passed,
        label: `${verdictLabel(result?.kind ?? run.verification.kind, passed)}${result?.score != null ? ` ${result.score.toFixed(3)}` : ''}`,
        key: (prev?.key ?? 0) + 1,
      }));
    },
    [area],
  );

  const stop = useCallback(() => {
    setSelecting(false);
    setArea(null);
  }, []);

  return { selecting, setSelecting, area, setArea, highlight, showRun, stop };
}
