// The docked device's session: its control lock and remote presses (recorded when asked).

import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../api/client';
import { api } from '../../api/endpoints';
import type { Device } from '../../api/types';
import { useDeviceLock } from '../../hooks/useDeviceLock';
import type { DeviceLock } from '../../hooks/useDeviceLock';
import { useLatest } from '../../hooks/useLatest';
import { useRemoteKeyboard } from '../../hooks/useRemoteKeyboard';
import { useDisplayName } from '../../lib/identity';
import { useLiveStore } from '../../store/LiveStore';
import { useToast } from '../Toasts';
import { DeviceDock } from './DeviceDock';

export interface LockView {
  token: string | null;
  heldByOther: DeviceLock['heldByOther'];
  noteRefusal: (err: unknown) => void;
}

interface DeviceSessionProps {
  devices: Device[];
  device: Device;
  onChoose: (key: string) => void;
  onLockChange: (lock: LockView) => void;
  /** Called with each key the device accepted while recording. */
  onRecorded: ((key: string) => void) | null;
  recordingInto: string | null;
  onStopRecording: () => void;
  position: string | null;
  /** Keyboard shortcuts drive the remote only when nothing else (a text field) has focus. */
  keyboardEnabled: boolean;
}

export function DeviceSession(props: DeviceSessionProps) {
  const { devices, device, onChoose, onLockChange, onRecorded, recordingInto, onStopRecording, position, keyboardEnabled } = props;
  const toast = useToast();
  const me = useDisplayName();
  const lock = useDeviceLock(device.host, device.id, me, device.lock);
  const { state } = useLiveStore();
  const controlsDisabled = state.connection.state === 'offline' || lock.heldByOther !== null || !device.remote;

  const { token, heldByOther, noteRefusal } = lock;
  // Told again when the holder or its lease changes, not each time the same lock is re-sent.
  const holder = heldByOther?.owner;
  const holderUntil = heldByOther?.expires_at;
  const heldByOtherRef = useLatest(heldByOther);
  useEffect(() => {
    onLockChange({ token, heldByOther: heldByOtherRef.current, noteRefusal });
  }, [token, holder, holderUntil, noteRefusal, onLockChange, heldByOtherRef]);

  const recordRef = useLatest(onRecorded);
  const [flash, setFlash] = useState<{ key: string; seq: number } | null>(null);
  const inFlight = useRef(0);
  const press = useCallback(
    (key: string, isRepeat: boolean) => {
      setFlash((prev) => ({ key, seq: (prev?.seq ?? 0) + 1 }));
      if (isRepeat && inFlight.current > 0) return;
      inFlight.current += 1;
      api
        .press(device.host, device.id, key, token)
        .then(() => recordRef.current?.(key))
        .catch((err: unknown) => {
          toast.show(errorMessage(err));
          noteRefusal(err);
        })
        .finally(() => {
          inFlight.current -= 1;
        });
    },
    [device.host, device.id, token, toast, noteRefusal, recordRef],
  );
  useRemoteKeyboard(keyboardEnabled && !controlsDisabled, device.remote?.keys ?? [], press);

  return (
    <DeviceDock
      devices={devices}
      device={device}
      onChoose={onChoose}
      lock={lock}
      me={me}
      controlsDisabled={controlsDisabled}
      onPress={press}
      flash={flash}
      recordingInto={recordingInto}
      onStopRecording={onStopRecording}
      position={position}
    />
  );
}
