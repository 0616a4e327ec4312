import { useRef } from 'react';
import type { ReactNode } from 'react';
import { useMjpegStream } from '../../hooks/useMjpegStream';
import type { Size } from '../../lib/area';
import { Icon } from '../Icon';
import { Spinner } from '../States';

export interface PictureBlocker {
  icon: string;
  title: string;
  detail?: string;
  tone: 'offline' | 'warn' | 'bad';
  /** What the readout says instead of "Live" (e.g. "No signal", "Black screen"). */
  state: string;
  /**
   * A state the picture itself still shows (a black or frozen screen): a tag on the picture
   * instead of a cover over it.
   */
  tag?: boolean;
  /**
   * The device status comes with heartbeats (every few seconds); fresh frames on the stream are
   * newer evidence, so a "no signal" that they contradict is not shown.
   */
  hideWhileLive?: boolean;
}

interface LivePictureProps {
  /** Stream URL, or null when there is nothing to stream (host offline, no capture). */
  url: string | null;
  /** Shown over the picture when the device itself reports a problem (e.g. no signal). */
  blocker: PictureBlocker | null;
  label: string;
  /** Drawn over the picture (under any blocker), given the real frame size once known. */
  frameOverlay?: (frame: Size | null) => ReactNode;
  /** Controls at the end of the readout line (e.g. "Select area"). */
  tools?: ReactNode;
}

function formatLatency(ms: number | null): string {
  if (ms === null) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export function LivePicture({ url, blocker: reported, label, frameOverlay, tools }: LivePictureProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const stream = useMjpegStream(url, canvasRef);
  const hasPicture = stream.framesDrawn > 0;
  const blocker = reported?.hideWhileLive && stream.phase === 'live' ? null : reported;

  let overlay = null;
  if (blocker?.tag) {
    overlay = (
      <div className={`picture-state-tag tag-${blocker.tone}`} data-testid="picture-state-tag" title={blocker.detail}>
        <Icon name={blocker.icon} size={16} />
        <span>{blocker.title}</span>
        {blocker.detail ? <span className="picture-state-detail">{blocker.detail}</span> : null}
      </div>
    );
  } else if (blocker) {
    overlay = (
      // Opaque: the last picture under it is not what the device shows now.
      <div className={`picture-overlay overlay-${blocker.tone}`} data-testid="picture-blocker">
        <Icon name={blocker.icon} size={36} />
        <span className="overlay-title">{blocker.title}</span>
        {blocker.detail ? <span className="overlay-detail">{blocker.detail}</span> : null}
      </div>
    );
  } else if (stream.phase === 'connecting' && !hasPicture) {
    overlay = (
      <div className="picture-overlay">
        <Spinner label="Connecting to the stream" />
        <span className="overlay-title">Connecting…</span>
      </div>
    );
  } else if (stream.phase === 'reconnecting') {
    overlay = (
      <div className={`picture-overlay overlay-warn${hasPicture ? ' translucent' : ''}`}>
        <Spinner label="Reconnecting to the stream" />
        <span className="overlay-title">Stream interrupted — reconnecting</span>
        {stream.error ? <span className="overlay-detail">{stream.error}</span> : null}
      </div>
    );
  }

  // A state on the picture (no signal, black, frozen, offline) is what the readout says: the
  // picture is not called live while the device is not showing one.
  const tone = blocker
    ? blocker.tone === 'offline'
      ? 'muted'
      : blocker.tone
    : stream.phase === 'live'
      ? 'good'
      : stream.phase === 'stalled' || stream.phase === 'reconnecting'
        ? 'warn'
        : 'muted';
  const phaseLabel = blocker
    ? blocker.state
    : {
        idle: 'Not streaming',
        connecting: 'Connecting',
        live: 'Live',
        stalled: 'No new frames',
        reconnecting: 'Reconnecting',
      }[stream.phase];
  // A still screen is re-sent about once a second: say so rather than show a low frame rate.
  const still = !blocker && stream.phase === 'live' && stream.fps < 2;

  return (
    <div className="picture">
      <div className="picture-frame">
        <canvas ref={canvasRef} className="picture-canvas" aria-label={label} role="img" width={1280} height={720} />
        {frameOverlay ? frameOverlay(hasPicture ? stream.frameSize : null) : null}
        {overlay}
      </div>
      <div className="readout" data-phase={stream.phase} data-frames={stream.framesDrawn} data-state={blocker ? blocker.state : stream.phase}>
        <span className={`readout-phase readout-${tone}`} data-testid="picture-state">
          <span className="readout-dot" aria-hidden="true" />
          {phaseLabel}
        </span>
        {blocker && !blocker.tag ? null : still ? (
          <span title="The screen does not change: the same picture is re-sent about once a second.">
            <span className="readout-value" data-testid="fps" data-value={stream.fps.toFixed(1)}>
              Still picture
            </span>
          </span>
        ) : (
          <span title="Frames drawn per second. A still picture is resent about once a second.">
            <span className="readout-label">fps</span>{' '}
            <span className="readout-value" data-testid="fps" data-value={stream.fps.toFixed(1)}>
              {stream.fps.toFixed(1)}
            </span>
          </span>
        )}
        {blocker && !blocker.tag ? null : (
          <span title="Capture to screen: the median over the last frames of (now − the frame's capture time).">
            <span className="readout-label">latency</span>{' '}
            <span className="readout-value" data-testid="latency">
              {stream.phase === 'live' || stream.phase === 'stalled' ? formatLatency(stream.latencyMs) : '—'}
            </span>
          </span>
        )}
        {stream.frameSize ? (
          <span className="readout-size">
            {stream.frameSize.width}×{stream.frameSize.height}
          </span>
        ) : null}
        {tools ? <span className="readout-tools">{tools}</span> : null}
      </div>
    </div>
  );
}
