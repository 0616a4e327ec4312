// Rectangles in a frame's own pixels, and the mapping between them and what is on screen.

import type { Area } from '../api/types';

export interface Size {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Below this many frame pixels on either side, a drag is taken as a click (no area). */
export const MIN_AREA_SIDE = 4;

/** "560,370 160×40" */
export function formatArea(area: Area | null | undefined): string {
  if (!area) return '—';
  return `${area.x},${area.y} ${area.width}×${area.height}`;
}

/**
 * Where a picture of `frame` size is drawn inside a box of `box` size with `object-fit: contain`:
 * the scale from frame to screen pixels and the letterbox offsets.
 */
export function containBox(frame: Size, box: Size): { scale: number; left: number; top: number } {
  if (frame.width <= 0 || frame.height <= 0) return { scale: 1, left: 0, top: 0 };
  const scale = Math.min(box.width / frame.width, box.height / frame.height);
  return {
    scale,
    left: (box.width - frame.width * scale) / 2,
    top: (box.height - frame.height * scale) / 2,
  };
}

/** A point in box (screen) pixels → the frame pixel under it, clamped to the frame. */
export function toFramePoint(p: Point, frame: Size, box: Size): Point {
  const { scale, left, top } = containBox(frame, box);
  const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));
  return {
    x: clamp(Math.round((p.x - left) / scale), frame.width),
    y: clamp(Math.round((p.y - top) / scale), frame.height),
  };
}

/** The rectangle spanned by two frame points, whichever way the drag went. */
export function areaBetween(a: Point, b: Point): Area {
  return {
    x: Math.min(a.x, b.x),
    y: Math.min(a.y, b.y),
    width: Math.abs(a.x - b.x),
    height: Math.abs(a.y - b.y),
  };
}

export function isUsableArea(area: Area): boolean {
  return area.width >= MIN_AREA_SIDE && area.height >= MIN_AREA_SIDE;
}

/** CSS position (box pixels) of a frame area drawn over the picture. */
export function areaStyle(area: Area, frame: Size, box: Size): { left: number; top: number; width: number; height: number } {
  const { scale, left, top } = containBox(frame, box);
  return {
    left: left + area.x * scale,
    top: top + area.y * scale,
    width: area.width * scale,
    height: area.height * scale,
  };
}
