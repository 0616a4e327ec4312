// The single verifications the UI runs with "Try it now" and the area checks.

import type { Area, Reference, Verification } from '../api/types';

/** Checks a stored reference: an image by its id, a text by its expected text in its area. */
export function referenceVerification(reference: Reference, expectText?: string): Verification {
  if (reference.kind === 'image') return { kind: 'image', reference_id: reference.id };
  return { kind: 'text', expect: expectText ?? reference.text ?? '', region: reference.area };
}

export function blackVerification(region: Area): Verification {
  return { kind: 'black', region };
}

export const MOTION_WINDOW_MS = 1000;

export function motionVerification(region: Area): Verification {
  return { kind: 'motion', region, timeout_ms: MOTION_WINDOW_MS };
}

/** A text reference can only be tried once it has something to expect. */
export function canTry(reference: Reference, expectText?: string): boolean {
  return reference.kind === 'image' || (expectText ?? reference.text ?? '').trim() !== '';
}
