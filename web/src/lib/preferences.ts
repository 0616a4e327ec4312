// Small choices this browser remembers (the userinterface last used, the device to try on).

import { useCallback, useState } from 'react';

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Storage disabled: the choice lasts for this page only.
  }
}

export const USERINTERFACE_KEY = 'vpt.userinterface';
export const DEFAULT_USERINTERFACE = 'demo-stb';
export const TRY_DEVICE_KEY = 'vpt.tryDevice';

/**
 * A string remembered in localStorage under `key`. `set` changes it for this page; `remember`
 * also stores it (e.g. once a form using it was saved), so the next visit starts from it.
 */
export function usePreference(key: string, fallback: string): [string, (value: string) => void, (value: string) => void] {
  const [value, setValue] = useState(() => read(key) || fallback);
  const remember = useCallback(
    (next: string) => {
      setValue(next);
      if (next.trim()) write(key, next.trim());
    },
    [key],
  );
  return [value, setValue, remember];
}
