import { useEffect, useRef } from 'react';
import { KEYBOARD_SHORTCUTS } from '../lib/remoteKeys';
import { useLatest } from './useLatest';

/** Held keyboard keys auto-repeat much faster than a remote would; cap to this interval. */
const MIN_REPEAT_MS = 150;

function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * Keyboard shortcuts for the remote while the device view is open. Typing in a field and
 * activating a focused button with Enter/Space keep their normal meaning.
 */
export function useRemoteKeyboard(
  enabled: boolean,
  supportedKeys: readonly string[],
  onKey: (key: string, isRepeat: boolean) => void,
): void {
  const onKeyRef = useLatest(onKey);
  const lastRepeatAt = useRef(0);

  // Device objects are replaced on every heartbeat; only a real change of keys re-subscribes.
  const keysSignature = supportedKeys.join('\n');

  useEffect(() => {
    if (!enabled) return;
    const supported = new Set(keysSignature.split('\n'));
    const handler = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      if (isTypingTarget(e.target)) return;
      const remoteKey = KEYBOARD_SHORTCUTS[e.key];
      if (!remoteKey || !supported.has(remoteKey)) return;
      const onControl = e.target instanceof HTMLElement && e.target.closest('button, a, summary');
      if (onControl && (e.key === 'Enter' || e.key === ' ')) return;
      e.preventDefault();
      if (e.repeat) {
        const now = performance.now();
        if (now - lastRepeatAt.current < MIN_REPEAT_MS) return;
        lastRepeatAt.current = now;
      }
      onKeyRef.current(remoteKey, e.repeat);
    };
    window.addEventListener('keydown', handler);
    return () => window.removeEventListener('keydown', handler);
  }, [enabled, keysSignature, onKeyRef]);
}
