import type { Device } from '../../api/types';
import { capabilityLabel } from '../../lib/format';
import { screenshotUrl } from '../../api/endpoints';
import { Icon } from '../Icon';

function fileStamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
}

export function ScreenshotLinks({ device, disabled }: { device: Device; disabled: boolean }) {
  if (disabled) {
    return (
      <div className="button-row">
        <span className="button disabled" aria-disabled="true">
          <Icon name="download" size={15} /> PNG
        </span>
        <span className="button disabled" aria-disabled="true">
          <Icon name="download" size={15} /> JPEG
        </span>
      </div>
    );
  }
  return (
    <div className="button-row">
      {(['png', 'jpeg'] as const).map((format) => (
        <a
          key={format}
          className="button"
          href={screenshotUrl(device.host, device.id, format)}
          download={`${device.id}-${fileStamp()}.${format === 'png' ? 'png' : 'jpg'}`}
        >
          <Icon name="download" size={15} /> {format.toUpperCase()}
        </a>
      ))}
    </div>
  );
}

export function DeviceFacts({ device }: { device: Device }) {
  const capture = device.capture;
  const rows: [string, string][] = [
    ['Model', device.model],
    ['Device id', device.id],
    ['Capabilities', device.capabilities.map(capabilityLabel).join(', ') || '—'],
  ];
  if (capture) {
    rows.push(['Capture', capture.kind]);
    if (capture.width && capture.height) rows.push(['Resolution', `${capture.width}×${capture.height}`]);
    if (capture.fps_measured != null || capture.fps_target != null) {
      rows.push([
        'Capture fps',
        `${capture.fps_measured != null ? capture.fps_measured.toFixed(1) : '—'}${capture.fps_target ? ` of ${capture.fps_target}` : ''}`,
      ]);
    }
    if (capture.frames_dropped != null) rows.push(['Frames dropped', capture.frames_dropped.toLocaleString()]);
  }
  if (device.remote) rows.push(['Remote', device.remote.kind]);
  if (device.power) rows.push(['Power', device.power.kind]);
  return (
    <dl className="facts">
      {rows.map(([label, value]) => (
        <div key={label} className="fact">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
