import type { Device } from '../../api/types';
import { TRY_DEVICE_KEY, usePreference } from '../../lib/preferences';
import { deviceKey, sortedDevices } from '../../store/liveState';
import { useLiveStore } from '../../store/LiveStore';

export interface TryDevice {
  devices: Device[];
  /** The chosen device, or null when no device can be tried on. */
  device: Device | null;
  choose: (key: string) => void;
}

/** Devices a reference can be tried on now: hosts online, with a capture source and a picture. */
export function useTryDevice(): TryDevice {
  const { state } = useLiveStore();
  const [chosen, , remember] = usePreference(TRY_DEVICE_KEY, '');
  const hosts = state.hosts.data;
  const devices = (sortedDevices(state) ?? []).filter((d) => {
    const host = hosts?.[d.host];
    const hostOnline = host ? host.status === 'online' : d.status !== 'offline';
    const capture = d.capture !== null || d.capabilities.includes('capture');
    return hostOnline && capture && d.status === 'ok';
  });
  const device = devices.find((d) => deviceKey(d.host, d.id) === chosen) ?? devices[0] ?? null;
  return { devices, device, choose: remember };
}

export function TryDeviceSelect({ tryDevice }: { tryDevice: TryDevice }) {
  const { devices, device, choose } = tryDevice;
  const manyHosts = new Set(devices.map((d) => d.host)).size > 1;
  return (
    <label className="field-inline">
      <span className="field-label">Try on</span>
      <select
        className="input select"
        value={device ? deviceKey(device.host, device.id) : ''}
        onChange={(e) => choose(e.target.value)}
        disabled={devices.length === 0}
        data-testid="try-device"
      >
        {devices.length === 0 ? <option value="">No device online</option> : null}
        {devices.map((d) => (
          <option key={deviceKey(d.host, d.id)} value={deviceKey(d.host, d.id)}>
            {d.name} ({manyHosts ? `${d.host}/` : ''}
            {d.id})
          </option>
        ))}
      </select>
    </label>
  );
}
