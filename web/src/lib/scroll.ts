// Scrolling the page to an element. The document is the app's one scroller (the sidebar and the
// top bar are sticky in it), so only the document moves: `Element.scrollIntoView` would also scroll
// any clipping ancestor on the way, which shifts the layout instead of the page.

const MARGIN_PX = 16;

/** Height of the sticky top bar, which covers the top of the viewport. */
function topInset(): number {
  return document.querySelector('.topbar')?.getBoundingClientRect().bottom ?? 0;
}

/**
 * Brings `el` into view by scrolling the document only. Nothing moves while its top is below the
 * top bar and at least `minVisible` pixels of it show (default: all of it). Otherwise it is centred
 * in the space below the top bar, or put at the top of that space when it is taller than it.
 */
export function revealInPage(el: Element | null, { minVisible, smooth = false }: { minVisible?: number; smooth?: boolean } = {}): void {
  if (!el) return;
  const scroller = document.scrollingElement ?? document.documentElement;
  const viewTop = Math.max(0, topInset()) + MARGIN_PX;
  const viewBottom = window.innerHeight - MARGIN_PX;
  const room = viewBottom - viewTop;
  const rect = el.getBoundingClientRect();

  const needed = Math.min(rect.height, minVisible ?? rect.height, room);
  if (rect.top >= viewTop && rect.top + needed <= viewBottom) return;
  const delta = rect.height >= room ? rect.top - viewTop : rect.top - (viewTop + (room - rect.height) / 2);

  const max = scroller.scrollHeight - scroller.clientHeight;
  const top = Math.min(max, Math.max(0, Math.round(scroller.scrollTop + delta)));
  if (top === Math.round(scroller.scrollTop)) return;
  scroller.scrollTo({ top, behavior: smooth ? 'smooth' : 'auto' });
}
