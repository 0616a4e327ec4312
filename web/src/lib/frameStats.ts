// Rolling figures for the live picture: frames drawn per second and end-to-end latency.

const FPS_WINDOW_MS = 2000;
const LATENCY_SAMPLES = 30;

export class FrameStats {
  private drawTimes: number[] = [];
  private latencies: number[] = [];

  recordDraw(now: number, capturedAtMs: number | null): void {
    this.drawTimes.push(now);
    this.trim(now);
    if (capturedAtMs !== null) {
      this.latencies.push(Math.max(0, now - capturedAtMs));
      if (this.latencies.length > LATENCY_SAMPLES) this.latencies.shift();
    }
  }

  /** Frames drawn per second over the last two seconds. */
  fps(now: number): number {
    this.trim(now);
    return (this.drawTimes.length * 1000) / FPS_WINDOW_MS;
  }

  /** Median of the recent latencies: one slow frame should not swing the readout. */
  medianLatencyMs(): number | null {
    if (this.latencies.length === 0) return null;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
    return median ?? null;
  }

  lastDrawAt(): number | null {
    return this.drawTimes.at(-1) ?? null;
  }

  reset(): void {
    this.drawTimes = [];
    this.latencies = [];
  }

  private trim(now: number): void {
    while (this.drawTimes.length > 0 && (this.drawTimes[0] ?? 0) < now - FPS_WINDOW_MS) this.drawTimes.shift();
  }
}
