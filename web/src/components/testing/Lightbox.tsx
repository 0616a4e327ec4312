// A picture of a run shown large over the page; Escape, the close button or the backdrop close it,
// the arrow keys move between the pictures of the same step.

import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { Icon } from '../Icon';

export interface Picture {
  url: string;
  caption: string;
}

interface LightboxApi {
  open: (pictures: Picture[], index: number) => void;
}

const LightboxContext = createContext<LightboxApi | null>(null);

export function LightboxProvider({ children }: { children: ReactNode }) {
  const [shown, setShown] = useState<{ pictures: Picture[]; index: number } | null>(null);
  const open = useCallback((pictures: Picture[], index: number) => setShown({ pictures, index }), []);
  const close = useCallback(() => setShown(null), []);
  const api = useMemo(() => ({ open }), [open]);

  useEffect(() => {
    if (!shown) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close();
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        const delta = e.key === 'ArrowRight' ? 1 : -1;
        setShown((s) => (s ? { ...s, index: (s.index + delta + s.pictures.length) % s.pictures.length } : s));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [shown, close]);

  const picture = shown ? shown.pictures[shown.index] : undefined;
  return (
    <LightboxContext.Provider value={api}>
      {children}
      {shown && picture ? (
        <div className="lightbox" role="dialog" aria-modal="true" aria-label={picture.caption} onMouseDown={(e) => e.target === e.currentTarget && close()} data-testid="lightbox">
          <figure className="lightbox-figure">
            <img src={picture.url} alt={picture.caption} />
            <figcaption>
              <span>{picture.caption}</span>
              {shown.pictures.length > 1 ? (
                <span className="muted small">
                  {shown.index + 1} / {shown.pictures.length} · ← → to move
                </span>
              ) : null}
              <a className="button button-sm" href={picture.url} target="_blank" rel="noreferrer">
                Open in a new tab
              </a>
              <button type="button" className="icon-button icon-xs" onClick={close} aria-label="Close">
                <Icon name="close" size={14} />
              </button>
            </figcaption>
          </figure>
        </div>
      ) : null}
    </LightboxContext.Provider>
  );
}

export function useLightbox(): LightboxApi {
  const api = useContext(LightboxContext);
  if (!api) throw new Error('useLightbox must be used inside <LightboxProvider>');
  return api;
}

/** A thumbnail that opens the lightbox on the given list of pictures; hidden if the file is gone. */
export function PictureThumb({ pictures, index, className, badge, caption }: { pictures: Picture[]; index: number; className?: string; badge?: ReactNode; caption?: string }) {
  const { open } = useLightbox();
  const [failed, setFailed] = useState(false);
  const picture = pictures[index];
  if (!picture) return null;
  return (
    <figure className={className ? `shot ${className}` : 'shot'}>
      <button type="button" className="shot-button" onClick={() => open(pictures, index)} title="Show it large" disabled={failed}>
        {failed ? (
          <span className="shot-missing">
            <Icon name="camera" size={18} /> Not kept
          </span>
        ) : (
          <img src={picture.url} alt={picture.caption} loading="lazy" onError={() => setFailed(true)} />
        )}
      </button>
      <figcaption>
        {badge}
        <span title={picture.caption}>{caption ?? picture.caption}</span>
      </figcaption>
    </figure>
  );
}
