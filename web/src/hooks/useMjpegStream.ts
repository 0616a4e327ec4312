import { useEffect, useState } from 'react';
import type { RefObject } from 'react';
import { ApiError, CSRF_HEADERS, errorFromResponse, errorMessage, noteAuthStatus } from '../api/client';
import { FrameStats } from '../lib/frameStats';
import { MjpegParser, boundaryFromContentType } from '../lib/mjpeg';
import type { MjpegFrame } from '../lib/mjpeg';

export type StreamPhase = 'idle' | 'connecting' | 'live' | 'stalled' | 'reconnecting';

export interface StreamView {
  phase: StreamPhase;
  /** Why the last attempt failed, as a sentence (kept while reconnecting). */
  error: string | null;
  fps: number;
  latencyMs: number | null;
  framesDrawn: number;
  frameSize: { width: number; height: number } | null;
}

const IDLE: StreamView = { phase: 'idle', error: null, fps: 0, latencyMs: null, framesDrawn: 0, frameSize: null };
const CONNECTING: StreamView = { ...IDLE, phase: 'connecting' };
const READOUT_EVERY_MS = 500;
/** No frame for this long while connected: the picture is frozen or the source stopped. */
const STALL_AFTER_MS = 3000;
const MAX_RETRY_MS = 8000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = window.setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      window.clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Reads an MJPEG stream with fetch(), decodes each JPEG off the main thread with
 * createImageBitmap and paints only the newest frame onto the canvas. While one frame decodes,
 * newer ones overwrite a single pending slot, so a slow client drops frames instead of queueing
 * them and falling ever further behind.
 */
export function useMjpegStream(url: string | null, canvasRef: RefObject<HTMLCanvasElement | null>): StreamView {
  const [view, setView] = useState<StreamView>(url ? CONNECTING : IDLE);
  // Another stream starts out connecting; no stream shows nothing.
  const [viewOf, setViewOf] = useState(url);
  if (viewOf !== url) {
    setViewOf(url);
    setView(url ? CONNECTING : IDLE);
  }

  useEffect(() => {
    if (!url) return;
    const controller = new AbortController();
    const { signal } = controller;
    const stats = new FrameStats();
    let phase: StreamPhase = 'connecting';
    let error: string | null = null;
    let framesDrawn = 0;
    let frameSize: StreamView['frameSize'] = null;
    let decoding = false;
    let pending: MjpegFrame | null = null;
    let liveThisConnection = false;
    // When the newest capture time last moved on. A picture re-sent with the capture time it
    // had (the source delivers no new frames) is not live, however often it arrives.
    let newestCapture: number | null = null;
    let captureMovedAt = Date.now();

    const publish = () => {
      const now = Date.now();
      const last = stats.lastDrawAt();
      let shown = phase;
      if (phase === 'live' && (last === null || now - last > STALL_AFTER_MS || now - captureMovedAt > STALL_AFTER_MS)) shown = 'stalled';
      setView({ phase: shown, error, fps: stats.fps(now), latencyMs: stats.medianLatencyMs(), framesDrawn, frameSize });
    };

    const paint = async (frame: MjpegFrame) => {
      decoding = true;
      try {
        const bitmap = await createImageBitmap(new Blob([frame.jpeg], { type: 'image/jpeg' }));
        const canvas = canvasRef.current;
        if (!signal.aborted && canvas) {
          if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
            canvas.width = bitmap.width;
            canvas.height = bitmap.height;
          }
          if (frameSize?.width !== bitmap.width || frameSize.height !== bitmap.height) {
            frameSize = { width: bitmap.width, height: bitmap.height };
          }
          canvas.getContext('2d')?.drawImage(bitmap, 0, 0);
          stats.recordDraw(Date.now(), frame.capturedAtMs);
          if (frame.capturedAtMs === null || newestCapture === null || frame.capturedAtMs > newestCapture) {
            newestCapture = frame.capturedAtMs;
            captureMovedAt = Date.now();
          }
          framesDrawn += 1;
          if (!liveThisConnection) {
            liveThisConnection = true;
            phase = 'live';
            error = null;
            publish();
          }
        }
        bitmap.close();
      } catch {
        // A corrupt JPEG is skipped; the next frame replaces it.
      } finally {
        decoding = false;
      }
      const next = pending;
      pending = null;
      if (next && !signal.aborted) void paint(next);
    };

    const offer = (frame: MjpegFrame) => {
      if (decoding) pending = frame;
      else void paint(frame);
    };

    const run = async () => {
      let failures = 0;
      while (!signal.aborted) {
        liveThisConnection = false;
        try {
          const res = await fetch(url, { signal, cache: 'no-store', headers: CSRF_HEADERS });
          if (!res.ok) {
            const refused = await errorFromResponse(res);
            noteAuthStatus(refused.status, refused.code);
            throw refused;
          }
          if (!res.body) throw new Error('This browser cannot read streamed responses.');
          const parser = new MjpegParser(boundaryFromContentType(res.headers.get('content-type')));
          const reader = res.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            const frames = parser.push(value);
            if (frames.length > 0) failures = 0;
            // Only the newest frame of a chunk can be worth painting.
            const newest = frames.at(-1);
            if (newest) offer(newest);
          }
          error = 'The stream ended.';
        } catch (err) {
          if (signal.aborted) return;
          // fetch() rejects with a bare TypeError ("Failed to fetch") when the connection drops.
          error = err instanceof ApiError ? errorMessage(err) : 'The connection to the stream was lost.';
        }
        if (signal.aborted) return;
        failures += 1;
        phase = 'reconnecting';
        publish();
        await sleep(Math.min(MAX_RETRY_MS, 500 * 2 ** Math.min(failures - 1, 4)), signal);
      }
    };

    void run();
    const readout = window.setInterval(publish, READOUT_EVERY_MS);
    return () => {
      controller.abort();
      window.clearInterval(readout);
    };
  }, [url, canvasRef]);

  return view;
}
