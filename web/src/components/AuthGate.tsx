// Shows the app to a signed-in user, and the sign-in page to anyone else (at `/login`, with the
// page they wanted kept in `?next=` so they land there afterwards).

import { useEffect } from 'react';
import type { ReactNode } from 'react';
import { navigate, usePathname } from '../lib/router';
import { AuthShell, ChoosePasswordPage, LoginPage } from '../pages/LoginPage';
import { useAuth } from '../store/Auth';
import { ErrorState, Spinner } from './States';

const LOGIN_PATH = '/login';

/** Where to go after signing in: `?next=` when it is a page of this app, else the dashboard. */
function nextPage(): string {
  const next = new URLSearchParams(window.location.search).get('next') ?? '';
  // Only paths of this app: never another site (`//host`, `https:`), never the login page again.
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith(LOGIN_PATH)) return '/';
  return next;
}

function loginHref(keepPlace: boolean): string {
  const here = window.location.pathname + window.location.search;
  if (!keepPlace || here === '/' || window.location.pathname === LOGIN_PATH) {
    return window.location.pathname === LOGIN_PATH ? here : LOGIN_PATH;
  }
  return `${LOGIN_PATH}?next=${encodeURIComponent(here)}`;
}

export function AuthGate({ children }: { children: ReactNode }) {
  const { state, refresh } = useAuth();
  const pathname = usePathname();
  const signedOut = state.status === 'signed-out' ? state : null;
  const signedIn = state.status === 'signed-in';

  useEffect(() => {
    if (signedOut && pathname !== LOGIN_PATH) {
      // The user did not ask to leave and cannot refuse: unsaved-work guards are skipped.
      navigate(loginHref(signedOut.reason !== 'signed-out'), { replace: true, force: true });
    } else if (signedIn && pathname === LOGIN_PATH) {
      navigate(nextPage(), { replace: true, force: true });
    }
  }, [signedOut, signedIn, pathname]);

  if (state.status === 'loading' || (signedIn && pathname === LOGIN_PATH)) {
    return (
      <div className="auth-screen" aria-busy="true">
        <Spinner label="Loading vpt…" />
      </div>
    );
  }
  if (state.status === 'unreachable') {
    return (
      <AuthShell>
        <ErrorState
          title="Cannot reach the vpt server"
          message={`${state.message} This page tries again by itself every few seconds.`}
          onRetry={refresh}
        />
      </AuthShell>
    );
  }
  if (signedOut) return <LoginPage reason={signedOut.reason} />;
  // A generated password must be replaced before anything else (the server refuses the rest).
  if (state.status === 'signed-in' && state.me.must_change_password) return <ChoosePasswordPage name={state.me.name} />;
  return <>{children}</>;
}
