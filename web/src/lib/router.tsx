// A small history-API router: enough for a handful of pages with path parameters.

import { useSyncExternalStore } from 'react';
import type { AnchorHTMLAttributes, MouseEvent } from 'react';

const NAVIGATE_EVENT = 'vpt:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

const currentPath = () => window.location.pathname;

export function usePathname(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

type NavigationGuard = (to: string) => boolean;
let guard: NavigationGuard | null = null;

/**
 * Lets a page with unsaved work confirm before the app moves elsewhere: the guard returns false
 * to stay. Returns a function that removes it.
 */
export function setNavigationGuard(next: NavigationGuard): () => void {
  guard = next;
  return () => {
    if (guard === next) guard = null;
  };
}

/**
 * Moves the app to `to`. `force` skips the unsaved-work guard: for moves the user did not ask
 * for and cannot refuse (the session ended).
 */
export function navigate(to: string, options: { replace?: boolean; force?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return;
  if (!options.force && guard && !guard(to)) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.scrollTo(0, 0);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

export type RouteParams = Record<string, string>;

/** Matches `/devices/:host/:id` against a pathname; returns the decoded params or null. */
export function matchPath(pattern: string, pathname: string): RouteParams | null {
  const split = (p: string) => p.split('/').filter(Boolean);
  const want = split(pattern);
  const have = split(pathname);
  if (want.length !== have.length) return null;
  const params: RouteParams = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const h = have[i] ?? '';
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(h);
      } catch {
        return null;
      }
    } else if (w !== h) {
      return null;
    }
  }
  return params;
}

/** True when `pathname` is `base` or below it (`/devices` is active on `/devices/a/b`). */
export function isUnder(base: string, pathname: string): boolean {
  if (base === '/') return pathname === '/';
  return pathname === base || pathname.startsWith(`${base}/`);
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const handleClick = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (rest.target && rest.target !== '_self') return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={handleClick} {...rest}>
      {children}
    </a>
  );
}
