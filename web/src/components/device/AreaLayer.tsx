import { useRef, useState } from 'react';
import type { PointerEvent } from 'react';
import type { Area } from '../../api/types';
import { useElementSize } from '../../hooks/useElementSize';
import { areaBetween, areaStyle, formatArea, isUsableArea, toFramePoint } from '../../lib/area';
import type { Point, Size } from '../../lib/area';

/** A region to outline over the picture for a moment (where a check matched, or not). */
export interface AreaHighlight {
  area: Area;
  passed: boolean;
  label: string;
  /** Changes with every check, so the same region shown twice restarts its fade. */
  key: number;
}

interface AreaLayerProps {
  /** The frame's real size in pixels (e.g. 1280×720); null until a frame arrived. */
  frame: Size | null;
  selecting: boolean;
  area: Area | null;
  onArea: (area: Area) => void;
  highlight: AreaHighlight | null;
}

/** Labels sit above a rectangle, unless that would put them off the picture. */
const LABEL_ROOM_PX = 22;

/**
 * Sits over the live picture. While selecting, a mouse drag draws a rectangle; positions are
 * converted from screen pixels to the frame's own pixels, whatever size the picture is shown at.
 */
export function AreaLayer({ frame, selecting, area, onArea, highlight }: AreaLayerProps) {
  const layerRef = useRef<HTMLDivElement>(null);
  const box = useElementSize(layerRef);
  const [drag, setDrag] = useState<{ start: Point; end: Point } | null>(null);

  const framePoint = (e: PointerEvent<HTMLDivElement>): Point | null => {
    const layer = layerRef.current;
    if (!layer || !frame) return null;
    const rect = layer.getBoundingClientRect();
    return toFramePoint({ x: e.clientX - rect.left, y: e.clientY - rect.top }, frame, rect);
  };

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (!selecting || e.button !== 0) return;
    const p = framePoint(e);
    if (!p) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    setDrag({ start: p, end: p });
  };

  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!drag) return;
    const p = framePoint(e);
    if (p) setDrag({ start: drag.start, end: p });
  };

  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    if (!drag) return;
    const p = framePoint(e) ?? drag.end;
    setDrag(null);
    const next = areaBetween(drag.start, p);
    // A click (or a sliver) keeps the area there was.
    if (isUsableArea(next)) onArea(next);
  };

  const shown = drag ? areaBetween(drag.start, drag.end) : area;
  const rect = (a: Area) => (frame && box ? areaStyle(a, frame, box) : null);
  const shownStyle = selecting && shown ? rect(shown) : null;
  const highlightStyle = highlight ? rect(highlight.area) : null;

  return (
    <div
      ref={layerRef}
      className={selecting ? 'area-layer selecting' : 'area-layer'}
      data-testid="area-layer"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={() => setDrag(null)}
    >
      {selecting && !shown ? <div className="area-hint">Drag a rectangle around what to look for</div> : null}
      {shown && shownStyle ? (
        <div
          className={`area-rect${drag ? ' dragging' : ''}${shownStyle.top < LABEL_ROOM_PX ? ' label-inside' : ''}`}
          style={shownStyle}
          data-testid="area-rect"
        >
          <span className="area-label" data-testid="area-label">
            {formatArea(shown)}
          </span>
        </div>
      ) : null}
      {highlight && highlightStyle ? (
        <div
          key={highlight.key}
          className={`area-highlight${highlight.passed ? '' : ' bad'}${highlightStyle.top < LABEL_ROOM_PX ? ' label-inside' : ''}`}
          style={highlightStyle}
          data-testid="area-highlight"
          data-passed={highlight.passed}
        >
          <span className="area-label">{highlight.label}</span>
        </div>
      ) : null}
    </div>
  );
}
