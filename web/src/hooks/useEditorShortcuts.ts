import { useEffect } from 'react';
import { useLatest } from './useLatest';

interface EditorShortcuts {
  enabled: boolean;
  /** While recording, keys belong to the remote: Delete does not remove anything then. */
  recording: boolean;
  onUndo: () => void;
  onSave: () => void;
  onDelete: () => void;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Ctrl/⌘+Z undoes, Ctrl/⌘+S saves, Delete removes the selection; never while typing in a field. */
export function useEditorShortcuts(shortcuts: EditorShortcuts): void {
  const latest = useLatest(shortcuts);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const s = latest.current;
      if (!s.enabled || isTyping(e.target)) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 'z' && !e.shiftKey) {
        e.preventDefault();
        s.onUndo();
      } else if (mod && key === 's') {
        e.preventDefault();
        s.onSave();
      } else if (e.key === 'Delete' && !s.recording) {
        s.onDelete();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [latest]);
}
