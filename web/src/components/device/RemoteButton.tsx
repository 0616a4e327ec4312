import { useEffect, useRef } from 'react';
import type { PointerEvent, ReactNode } from 'react';
import { keyLabel } from '../../lib/remoteKeys';

const REPEAT_DELAY_MS = 400;
const REPEAT_EVERY_MS = 150;

interface RemoteButtonProps {
  remoteKey: string;
  disabled: boolean;
  /** Looks unavailable but still answers a press (so the page can say why nothing was sent). */
  blocked?: boolean;
  onPress: (key: string, isRepeat: boolean) => void;
  /** Increments on every press of this key (from the pad or the keyboard), to replay the flash. */
  flashSeq: number;
  className?: string;
  children?: ReactNode;
}

/** One remote key. Pressing and holding repeats it, like a physical remote. */
export function RemoteButton({ remoteKey, disabled, blocked = false, onPress, flashSeq, className, children }: RemoteButtonProps) {
  const ref = useRef<HTMLButtonElement>(null);
  const delayTimer = useRef<number | null>(null);
  const repeatTimer = useRef<number | null>(null);

  const stop = () => {
    if (delayTimer.current !== null) window.clearTimeout(delayTimer.current);
    if (repeatTimer.current !== null) window.clearInterval(repeatTimer.current);
    delayTimer.current = repeatTimer.current = null;
  };

  useEffect(() => stop, []);
  useEffect(() => {
    if (disabled) stop();
  }, [disabled]);

  useEffect(() => {
    const el = ref.current;
    if (!el || flashSeq === 0) return;
    el.classList.remove('flash');
    void el.offsetWidth; // restart the CSS animation
    el.classList.add('flash');
  }, [flashSeq]);

  const onPointerDown = (e: PointerEvent<HTMLButtonElement>) => {
    if (disabled || e.button !== 0) return;
    stop();
    onPress(remoteKey, false);
    if (blocked) return;
    delayTimer.current = window.setTimeout(() => {
      repeatTimer.current = window.setInterval(() => onPress(remoteKey, true), REPEAT_EVERY_MS);
    }, REPEAT_DELAY_MS);
  };

  return (
    <button
      ref={ref}
      type="button"
      className={`remote-key${className ? ` ${className}` : ''}${blocked ? ' blocked' : ''}`}
      data-key={remoteKey}
      aria-label={keyLabel(remoteKey)}
      title={keyLabel(remoteKey)}
      disabled={disabled}
      onPointerDown={onPointerDown}
      onPointerUp={stop}
      onPointerLeave={stop}
      onPointerCancel={stop}
      onContextMenu={(e) => e.preventDefault()}
      onClick={(e) => {
        // Pointer presses were already sent on pointerdown; detail 0 means Enter/Space on a focused button.
        if (e.detail === 0 && !disabled) onPress(remoteKey, false);
      }}
    >
      {children ?? keyLabel(remoteKey)}
    </button>
  );
}
