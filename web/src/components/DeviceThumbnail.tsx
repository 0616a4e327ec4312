import { useCallback, useEffect, useState } from 'react';
import { screenshotUrl, streamUrl } from '../api/endpoints';
import type { Device } from '../api/types';
import { usePageVisible } from '../hooks/usePageVisible';
import { useSnapshot } from '../hooks/useSnapshot';
import { Icon } from './Icon';

export type ThumbnailMode = 'stream' | 'snapshot';

interface DeviceThumbnailProps {
  device: Device;
  hostOnline: boolean;
  /**
   * 'stream' holds one MJPEG connection per tile. Browsers allow only ~6 HTTP/1.1 connections
   * per origin, so large grids use 'snapshot' (a JPEG refreshed every few seconds) instead.
   */
  mode: ThumbnailMode;
}

const SNAPSHOT_EVERY_MS = 3000;
const RETRY_AFTER_ERROR_MS = 5000;

function Placeholder({ icon, title, detail, tone }: { icon: string; title: string; detail?: string; tone: string }) {
  return (
    <div className={`thumb-placeholder thumb-${tone}`}>
      <Icon name={icon} size={28} />
      <span className="thumb-title">{title}</span>
      {detail ? <span className="thumb-detail">{detail}</span> : null}
    </div>
  );
}

/** A snapshot refreshed every few seconds (see useSnapshot for why not a changing <img> URL). */
function SnapshotImage({ device }: { device: Device }) {
  const visible = usePageVisible();
  const shot = useSnapshot(screenshotUrl(device.host, device.id, 'jpeg', 320), visible, SNAPSHOT_EVERY_MS);
  if (shot.src) return <img className="thumb-img" src={shot.src} alt={`Live picture of ${device.name}`} decoding="async" />;
  if (shot.failed) return <Placeholder icon="alert" title="Picture unavailable" detail="Retrying…" tone="muted" />;
  return <div className="thumb-loading" aria-hidden="true" />;
}

function LiveImage({ device, mode }: { device: Device; mode: ThumbnailMode }) {
  if (mode === 'snapshot') return <SnapshotImage device={device} />;
  return <StreamImage device={device} />;
}

function StreamImage({ device }: { device: Device }) {
  const [attempt, setAttempt] = useState(0);
  const [failed, setFailed] = useState(false);
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    if (!failed) return;
    const timer = window.setTimeout(() => {
      setFailed(false);
      setAttempt((n) => n + 1);
    }, RETRY_AFTER_ERROR_MS);
    return () => window.clearTimeout(timer);
  }, [failed]);

  // Removing an <img> does not always close its MJPEG connection; clearing src does.
  const closeStreamOnUnmount = useCallback((img: HTMLImageElement | null) => {
    if (!img) return undefined;
    return () => {
      img.src = '';
    };
  }, []);

  // The stream route refuses unknown query parameters: a retry remounts the <img> instead.
  const src = streamUrl(device.host, device.id, { fps: 2, width: 320 });

  if (failed) return <Placeholder icon="alert" title="Picture unavailable" detail="Retrying…" tone="muted" />;
  return (
    <>
      {!loaded ? <div className="thumb-loading" aria-hidden="true" /> : null}
      <img
        key={attempt}
        ref={closeStreamOnUnmount}
        className="thumb-img"
        src={src}
        alt={`Live picture of ${device.name}`}
        onLoad={() => setLoaded(true)}
        onError={() => setFailed(true)}
        decoding="async"
      />
    </>
  );
}

export function DeviceThumbnail({ device, hostOnline, mode }: DeviceThumbnailProps) {
  let content;
  if (!hostOnline || device.status === 'offline') {
    content = <Placeholder icon="offline" title="Host offline" tone="offline" />;
  } else if (!device.capabilities.includes('capture') && !device.capture) {
    content = <Placeholder icon="camera" title="No capture" tone="muted" />;
  } else if (device.status === 'no_signal') {
    content = <Placeholder icon="nosignal" title="No signal" tone="warn" />;
  } else if (device.status === 'error') {
    content = (
      <Placeholder icon="alert" title="Capture error" detail={device.capture?.error ?? undefined} tone="bad" />
    );
  } else {
    content = <LiveImage device={device} mode={mode} />;
  }
  return <div className="thumb">{content}</div>;
}
