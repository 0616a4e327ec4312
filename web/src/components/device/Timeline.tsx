// The device's recent past: a slider over the frames its host keeps, the frame at the slider
// shown in place of the live picture, play/pause through them, and export of a marked range.

import { useCallback, useEffect, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { monitoringApi, timelineExportUrl, timelineFrameUrl } from '../../api/monitoring';
import type { Timeline } from '../../api/monitoring';
import { useLatest } from '../../hooks/useLatest';
import { useNow } from '../../hooks/useNow';
import { usePageVisible } from '../../hooks/usePageVisible';
import { formatDuration } from '../../lib/format';
import { Icon } from '../Icon';
import { Spinner } from '../States';

const REFRESH_MS = 5000;
/** Never show a frame for less than this while playing, however close the next one is. */
const MIN_STEP_MS = 40;
const SPEEDS = [1, 2, 4] as const;
/** One empty list while there is no timeline, so callbacks built on the frames stay the same. */
const NO_FRAMES: Timeline['frames'] = [];

export interface TimelineState {
  timeline: Timeline | null;
  error: string | null;
  /** The host does not keep a timeline for this device (or does not know timelines). */
  unavailable: boolean;
}

/** The timeline of a device, refreshed every few seconds while the tab is visible. */
export function useTimeline(host: string, device: string, enabled: boolean): TimelineState {
  const [state, setState] = useState<TimelineState>({ timeline: null, error: null, unavailable: false });
  const visible = usePageVisible();

  useEffect(() => {
    if (!enabled || !visible) return undefined;
    const controller = new AbortController();
    const load = () =>
      monitoringApi.timeline(host, device, {}, controller.signal).then(
        (timeline) => setState({ timeline, error: null, unavailable: false }),
        (err: unknown) => {
          if (controller.signal.aborted) return;
          const unavailable = err instanceof ApiError && err.status === 404;
          setState((s) => ({ ...s, error: errorMessage(err), unavailable }));
        },
      );
    void load();
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => {
      controller.abort();
      window.clearInterval(timer);
    };
  }, [host, device, enabled, visible]);

  return state;
}

/** Index of the frame whose time is nearest to `t` (frames sorted by time). */
export function nearestIndex(frames: { t: number }[], t: number): number {
  if (frames.length === 0) return -1;
  let lo = 0;
  let hi = frames.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((frames[mid]?.t ?? 0) < t) lo = mid + 1;
    else hi = mid;
  }
  const before = frames[lo - 1];
  const at = frames[lo];
  if (before && at && t - before.t <= at.t - t) return lo - 1;
  return lo;
}

/** "12:03:04.2" (in the reader's locale, so possibly "12:03:04.2 PM"). */
function clock(t: number, tenths = true): string {
  return new Date(t).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    ...(tenths ? { fractionalSecondDigits: 1 as const } : {}),
  });
}

function ago(t: number, now: number): string {
  const secs = Math.max(0, Math.round((now - t) / 1000));
  return secs < 1 ? 'now' : `${formatDuration(secs)} ago`;
}

/** The stored frame at `t`, shown where the live picture was. Keeps the last frame until the next one is decoded. */
export function ReplayPicture({ host, device, t, label }: { host: string; device: string; t: number; label: string }) {
  const [shown, setShown] = useState<{ t: number; url: string } | null>(null);
  const [missing, setMissing] = useState(false);

  useEffect(() => {
    const url = timelineFrameUrl(host, device, t);
    const img = new Image();
    let cancelled = false;
    img.onload = () => {
      if (cancelled) return;
      setShown({ t, url });
      setMissing(false);
    };
    img.onerror = () => {
      if (!cancelled) setMissing(true);
    };
    img.src = url;
    return () => {
      cancelled = true;
      img.onload = img.onerror = null;
    };
  }, [host, device, t]);

  return (
    <div className="picture">
      <div className="picture-frame replay-frame">
        {shown ? <img className="replay-img" src={shown.url} alt={`${label} at ${clock(shown.t)}`} data-t={shown.t} /> : null}
        {!shown && !missing ? (
          <div className="picture-overlay">
            <Spinner label="Loading the frame" />
          </div>
        ) : null}
        {missing ? (
          <div className={`picture-overlay overlay-warn${shown ? ' translucent' : ''}`}>
            <Icon name="camera" size={30} />
            <span className="overlay-title">This frame is no longer kept</span>
          </div>
        ) : null}
        <span className="replay-tag">
          <Icon name="history" size={13} /> Replay · {clock(t)}
        </span>
      </div>
    </div>
  );
}

interface TimelineBarProps {
  host: string;
  device: string;
  state: TimelineState;
  /** The replayed frame's time, or null while live. */
  position: number | null;
  onPosition: (t: number | null) => void;
  disabled: boolean;
}

export function TimelineBar({ host, device, state, position, onPosition, disabled }: TimelineBarProps) {
  const { timeline } = state;
  const frames = timeline?.frames ?? NO_FRAMES;
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<(typeof SPEEDS)[number]>(1);
  const [range, setRange] = useState<{ from: number | null; to: number | null }>({ from: null, to: null });
  // For "12 s ago" beside the frame shown.
  const now = useNow(1000);

  const oldest = timeline?.oldest ?? frames[0]?.t ?? null;
  const newest = timeline?.newest ?? frames.at(-1)?.t ?? null;
  const index = position === null ? frames.length - 1 : nearestIndex(frames, position);
  const current = position ?? newest;

  const goTo = useCallback(
    (t: number) => {
      const i = nearestIndex(frames, t);
      const frame = frames[i];
      if (frame) onPosition(frame.t);
    },
    [frames, onPosition],
  );

  // Playing moves to the next frame after the real gap between them (divided by the speed).
  const framesRef = useLatest(frames);
  useEffect(() => {
    if (!playing || position === null) return undefined;
    const list = framesRef.current;
    const i = nearestIndex(list, position);
    const next = list[i + 1];
    const here = list[i];
    if (!next || !here) {
      setPlaying(false);
      return undefined;
    }
    const timer = window.setTimeout(() => onPosition(next.t), Math.max(MIN_STEP_MS, (next.t - here.t) / speed));
    return () => window.clearTimeout(timer);
  }, [playing, position, speed, onPosition, framesRef]);

  // Going back to the live picture stops playing.
  const [shownPosition, setShownPosition] = useState(position);
  if (shownPosition !== position) {
    setShownPosition(position);
    if (position === null) setPlaying(false);
  }

  if (state.unavailable) {
    return (
      <div className="timeline timeline-empty" data-testid="timeline">
        <Icon name="history" size={15} />
        <span className="muted small">This device's host keeps no timeline of recent frames.</span>
      </div>
    );
  }
  if (!timeline) {
    return (
      <div className="timeline timeline-empty" data-testid="timeline">
        {state.error ? (
          <span className="muted small">The timeline could not be loaded: {state.error}</span>
        ) : (
          <>
            <Spinner label="Loading the timeline" />
            <span className="muted small">Loading the timeline…</span>
          </>
        )}
      </div>
    );
  }
  if (frames.length === 0 || oldest === null || newest === null) {
    return (
      <div className="timeline timeline-empty" data-testid="timeline">
        <Icon name="history" size={15} />
        <span className="muted small">
          No frames kept yet. The host keeps the last {formatDuration(timeline.retention_s)} at {timeline.fps} fps.
        </span>
      </div>
    );
  }

  const span = Math.max(1, newest - oldest);
  const pct = (t: number) => `${(((Math.min(newest, Math.max(oldest, t)) - oldest) / span) * 100).toFixed(2)}%`;
  const from = range.from !== null && range.to !== null ? Math.min(range.from, range.to) : range.from;
  const to = range.from !== null && range.to !== null ? Math.max(range.from, range.to) : range.to;
  const complete = from !== null && to !== null && to > from;
  const selectionStyle =
    from !== null
      ? { left: pct(from), width: to !== null ? `calc(${pct(to)} - ${pct(from)})` : '2px' }
      : undefined;

  const step = (delta: number) => {
    const target = frames[Math.min(frames.length - 1, Math.max(0, index + delta))];
    if (target) onPosition(target.t);
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    // One key press moves one frame, not one millisecond.
    if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') {
      e.preventDefault();
      step(-1);
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowUp') {
      e.preventDefault();
      step(1);
    }
  };

  const togglePlay = () => {
    if (playing) {
      setPlaying(false);
      return;
    }
    // From live, or from the last frame, playing starts over from the oldest frame.
    if (position === null || index >= frames.length - 1) onPosition(frames[0]?.t ?? oldest);
    setPlaying(true);
  };

  const live = position === null;
  const mark = current ?? newest;

  return (
    <div className="timeline" data-testid="timeline" data-frames={frames.length}>
      <div className="timeline-row">
        <button
          type="button"
          className="icon-button"
          onClick={togglePlay}
          disabled={disabled}
          aria-label={playing ? 'Pause' : 'Play'}
          title={playing ? 'Pause' : 'Play the kept frames'}
          data-testid="timeline-play"
        >
          <Icon name={playing ? 'pause' : 'play'} size={16} />
        </button>
        <button type="button" className="icon-button" onClick={() => step(-1)} disabled={disabled || index <= 0} aria-label="Previous frame" title="Previous frame (←)">
          <Icon name="left" size={16} />
        </button>
        <button
          type="button"
          className="icon-button"
          onClick={() => step(1)}
          disabled={disabled || live || index >= frames.length - 1}
          aria-label="Next frame"
          title="Next frame (→)"
        >
          <Icon name="right" size={16} />
        </button>
        <div className="timeline-track">
          {selectionStyle ? <span className="timeline-selection" style={selectionStyle} aria-hidden="true" /> : null}
          <input
            type="range"
            className="timeline-slider"
            min={oldest}
            max={newest}
            step={1}
            value={current ?? newest}
            disabled={disabled}
            onChange={(e) => {
              setPlaying(false);
              goTo(Number(e.target.value));
            }}
            onKeyDown={onKey}
            aria-label="Position in the timeline"
            aria-valuetext={current !== null ? clock(current) : undefined}
            data-testid="timeline-slider"
          />
        </div>
        <button
          type="button"
          className={live ? 'button button-sm live-button is-live' : 'button button-sm button-primary live-button'}
          onClick={() => onPosition(null)}
          disabled={live}
          data-testid="timeline-live"
        >
          <span className="readout-dot" aria-hidden="true" /> Live
        </button>
      </div>
      <div className="timeline-scale">
        <span title="Oldest kept frame">{clock(oldest, false)}</span>
        <span className="timeline-now" data-testid="timeline-position">
          {live ? (
            <>Live · {frames.length} frames kept ({formatDuration(Math.round(span / 1000))})</>
          ) : (
            <>
              Frame {index + 1} of {frames.length} · <strong>{clock(current ?? newest)}</strong> · {ago(current ?? newest, now)}
            </>
          )}
        </span>
        <span title="Newest kept frame">{clock(newest, false)}</span>
      </div>
      <div className="timeline-row timeline-tools">
        <div className="segmented segmented-sm" role="radiogroup" aria-label="Playback speed">
          {SPEEDS.map((s) => (
            <button key={s} type="button" role="radio" aria-checked={speed === s} onClick={() => setSpeed(s)}>
              {s}×
            </button>
          ))}
        </div>
        <span className="toolbar-divider" aria-hidden="true" />
        <button type="button" className="button button-sm" onClick={() => setRange((r) => ({ ...r, from: mark }))} disabled={disabled} title="Mark the frame shown as the start of the range">
          [ Start
        </button>
        <button type="button" className="button button-sm" onClick={() => setRange((r) => ({ ...r, to: mark }))} disabled={disabled} title="Mark the frame shown as the end of the range">
          End ]
        </button>
        <span className="muted small timeline-range" data-testid="timeline-range">
          {from !== null || to !== null
            ? `${from !== null ? clock(from) : '…'} – ${to !== null ? clock(to) : '…'}${complete ? ` (${formatDuration(Math.max(1, Math.round((to - from) / 1000)))})` : ''}`
            : 'Mark a start and an end to export'}
        </span>
        {from !== null || to !== null ? (
          <button type="button" className="icon-button icon-xs" onClick={() => setRange({ from: null, to: null })} aria-label="Clear the range">
            <Icon name="close" size={13} />
          </button>
        ) : null}
        <span className="grow" />
        {complete ? (
          <>
            <a className="button button-sm" href={timelineExportUrl(host, device, from, to, 'zip')} download data-testid="export-zip" title="The frames of the range as JPEG images in a zip file">
              <Icon name="download" size={14} /> ZIP
            </a>
            {timeline.video_export ? (
              <a className="button button-sm" href={timelineExportUrl(host, device, from, to, 'mp4')} download data-testid="export-mp4" title="The range as a video">
                <Icon name="download" size={14} /> MP4
              </a>
            ) : null}
          </>
        ) : (
          <span className="button button-sm disabled" aria-disabled="true" title="Mark a start and an end first">
            <Icon name="download" size={14} /> Export
          </span>
        )}
      </div>
    </div>
  );
}
