// Who is signed in: `/api/auth/me` read once, kept current by what API answers say, and the
// sign-in and sign-out actions. Everything that depends on the user's role reads it here.

import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiError, errorMessage, isNetworkError, setAuthListeners } from '../api/client';
import { authApi, roleAtLeast } from '../api/auth';
import type { Me, Role } from '../api/auth';
import { useLatest } from '../hooks/useLatest';
import { setAccountName } from '../lib/identity';

/** Why the sign-in page is shown: it says so in a line above the form. */
export type SignedOutReason = 'expired' | 'signed-out' | 'password-changed' | null;

export type AuthState =
  | { status: 'loading' }
  | { status: 'unreachable'; message: string }
  | { status: 'signed-out'; reason: SignedOutReason }
  | { status: 'signed-in'; me: Me };

interface AuthValue {
  state: AuthState;
  /** The signed-in user (or the `local` admin when auth is off); null otherwise. */
  me: Me | null;
  signIn: (name: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** Called after the password changed: the server ended every session of the user, this one too. */
  passwordChanged: () => void;
  /** Reads `me` again (e.g. after an admin changed one's own role). */
  refresh: () => void;
}

const AuthContext = createContext<AuthValue | null>(null);

const RETRY_UNREACHABLE_MS = 5000;

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const stateRef = useLatest(state);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const me = await authApi.me(signal);
      setState({ status: 'signed-in', me });
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof ApiError && err.status === 401) {
        setState((s) => (s.status === 'signed-out' ? s : { status: 'signed-out', reason: s.status === 'signed-in' ? 'expired' : null }));
      } else if (stateRef.current.status !== 'signed-in') {
        setState({
          status: 'unreachable',
          message: isNetworkError(err) ? 'The vpt server does not answer.' : errorMessage(err),
        });
      }
    }
  }, [stateRef]);

  useEffect(() => {
    const controller = new AbortController();
    // eslint-disable-next-line react-hooks/set-state-in-effect -- `load` sets state only once the server has answered, never during the effect
    void load(controller.signal);
    return () => controller.abort();
  }, [load, attempt]);

  // While the server cannot be reached, keep asking: the page comes back by itself.
  useEffect(() => {
    if (state.status !== 'unreachable') return undefined;
    const timer = window.setTimeout(() => setAttempt((n) => n + 1), RETRY_UNREACHABLE_MS);
    return () => window.clearTimeout(timer);
  }, [state]);

  // What API answers say about the session: a 401 ends it here too; a 403 may mean the role
  // changed, so `me` is read again (at most once every few seconds).
  useEffect(() => {
    let lastRefresh = 0;
    setAuthListeners({
      onSessionEnded: () => {
        if (stateRef.current.status === 'signed-in' && stateRef.current.me.auth_enabled) {
          setState({ status: 'signed-out', reason: 'expired' });
        }
      },
      onForbidden: () => {
        const now = Date.now();
        if (stateRef.current.status !== 'signed-in' || now - lastRefresh < 5000) return;
        lastRefresh = now;
        void load();
      },
    });
    return () => setAuthListeners(null);
  }, [load, stateRef]);

  const me = state.status === 'signed-in' ? state.me : null;
  useEffect(() => {
    setAccountName(me && me.auth_enabled ? me.name : null);
  }, [me]);

  const signIn = useCallback(async (name: string, password: string) => {
    await authApi.login(name, password);
    const fresh = await authApi.me();
    setState({ status: 'signed-in', me: fresh });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await authApi.logout();
    } catch (err) {
      // Already signed out (401) is what we wanted; anything else keeps the user signed in.
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    setState({ status: 'signed-out', reason: 'signed-out' });
  }, []);

  const passwordChanged = useCallback(() => setState({ status: 'signed-out', reason: 'password-changed' }), []);
  const refresh = useCallback(() => void load(), [load]);

  const value = useMemo(
    () => ({ state, me, signIn, signOut, passwordChanged, refresh }),
    [state, me, signIn, signOut, passwordChanged, refresh],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth must be used inside <AuthProvider>');
  return value;
}

/** True when the signed-in user's role allows what `role` may do. */
export function useCan(role: Role): boolean {
  const { me } = useAuth();
  return me !== null && roleAtLeast(me.role, role);
}
