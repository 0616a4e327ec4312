// Remote keys: how they are labelled on the pad and which keyboard keys trigger them.

export const KEY_LABELS: Record<string, string> = {
  UP: 'Up',
  DOWN: 'Down',
  LEFT: 'Left',
  RIGHT: 'Right',
  OK: 'OK',
  BACK: 'Back',
  HOME: 'Home',
  MENU: 'Menu',
  CHANNEL_UP: 'CH +',
  CHANNEL_DOWN: 'CH −',
  VOLUME_UP: 'VOL +',
  VOLUME_DOWN: 'VOL −',
  MUTE: 'Mute',
  POWER: 'Power',
};

export function keyLabel(key: string): string {
  return KEY_LABELS[key] ?? key.replace(/_/g, ' ');
}

/** KeyboardEvent.key → remote key. */
export const KEYBOARD_SHORTCUTS: Record<string, string> = {
  ArrowUp: 'UP',
  ArrowDown: 'DOWN',
  ArrowLeft: 'LEFT',
  ArrowRight: 'RIGHT',
  Enter: 'OK',
  Backspace: 'BACK',
  Escape: 'BACK',
  Home: 'HOME',
  m: 'MENU',
  M: 'MENU',
  PageUp: 'CHANNEL_UP',
  PageDown: 'CHANNEL_DOWN',
  '+': 'VOLUME_UP',
  '=': 'VOLUME_UP',
  '-': 'VOLUME_DOWN',
  '0': '0',
  '1': '1',
  '2': '2',
  '3': '3',
  '4': '4',
  '5': '5',
  '6': '6',
  '7': '7',
  '8': '8',
  '9': '9',
};

/** What the legend under the pad lists. */
export const SHORTCUT_LEGEND: { keys: string; action: string }[] = [
  { keys: '← ↑ → ↓', action: 'Arrows' },
  { keys: 'Enter', action: 'OK' },
  { keys: 'Backspace / Esc', action: 'Back' },
  { keys: 'Home', action: 'Home' },
  { keys: 'M', action: 'Menu' },
  { keys: 'PgUp / PgDn', action: 'CH + / −' },
  { keys: '+ / −', action: 'VOL + / −' },
  { keys: '0–9', action: 'Digits' },
];

/** Keys the pad lays out itself; anything else the remote offers goes in an "Other keys" row. */
export const PAD_KEYS = new Set([
  'UP', 'DOWN', 'LEFT', 'RIGHT', 'OK', 'BACK', 'HOME', 'MENU', 'CHANNEL_UP', 'CHANNEL_DOWN',
  'VOLUME_UP', 'VOLUME_DOWN', 'MUTE', 'POWER', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
]);
