// The name this browser uses when it takes a device's control lock, acknowledges an incident or
// starts a run: the signed-in user's name, or (with auth off) a name kept in this browser.

import { useSyncExternalStore } from 'react';

const STORAGE_KEY = 'vpt.displayName';
const CHANGE_EVENT = 'vpt:display-name';

function randomSuffix(): string {
  const bytes = new Uint8Array(2);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function readStorage(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function writeStorage(value: string): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, value);
  } catch {
    // Private mode or storage disabled: the name lives for this page only.
  }
}

let fallbackName: string | null = null;
let accountName: string | null = null;

/** The signed-in user's name, which then stands for this browser everywhere; null with auth off. */
export function setAccountName(name: string | null): void {
  if (name === accountName) return;
  accountName = name;
  window.dispatchEvent(new Event(CHANGE_EVENT));
}

/** How runs started here are labelled (`ui`, or `ui:<user>` when signed in). */
export function startedByMe(): string {
  return accountName ? `ui:${accountName}`.slice(0, 64) : 'ui';
}

export function getDisplayName(): string {
  if (accountName) return accountName;
  const stored = readStorage()?.trim();
  if (stored) return stored;
  // Generated once and remembered, so a person keeps the same lock name across visits.
  fallbackName ??= `browser-${randomSuffix()}`;
  writeStorage(fallbackName);
  return fallbackName;
}

export function setDisplayName(name: string): void {
  const trimmed = name.trim();
  if (!trimmed) return;
  writeStorage(trimmed);
  window.dispatchEvent(new Event(CHANGE_EVENT));
}

function subscribe(onChange: () => void): () => void {
  const onStorage = (e: StorageEvent) => {
    if (e.key === STORAGE_KEY) onChange();
  };
  window.addEventListener(CHANGE_EVENT, onChange);
  window.addEventListener('storage', onStorage);
  return () => {
    window.removeEventListener(CHANGE_EVENT, onChange);
    window.removeEventListener('storage', onStorage);
  };
}

export function useDisplayName(): string {
  return useSyncExternalStore(subscribe, getDisplayName);
}
