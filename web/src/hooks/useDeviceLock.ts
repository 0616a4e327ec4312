import { useCallback, useEffect, useState } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { api } from '../api/endpoints';
import type { LockInfo } from '../api/types';
import { useLiveStore } from '../store/LiveStore';
import { useLatest } from './useLatest';

/** How long a lock lasts without renewal: a page that vanished without a word holds it this long at most. */
export const LOCK_LEASE_SECS = 30;
const LEASE_SECS = LOCK_LEASE_SECS;
const RENEW_EVERY_MS = 10_000;

export interface DeviceLock {
  /** Our token while we hold the lock; send it as `X-Vpt-Lock` on control requests. */
  token: string | null;
  held: boolean;
  busy: boolean;
  /** Who else holds the lock (from a refusal or from live events), when that is not us. */
  heldByOther: LockInfo | null;
  error: string | null;
  take: () => Promise<void>;
  release: () => Promise<void>;
  /** Called when a control request was refused with 423, so the page shows who holds the lock. */
  noteRefusal: (err: unknown) => void;
}

function lockFromError(err: unknown): LockInfo | null {
  if (!(err instanceof ApiError) || (err.status !== 409 && err.status !== 423)) return null;
  const owner = err.body.owner;
  if (typeof owner !== 'string') return null;
  const expires = err.body.expires_at;
  return { owner, expires_at: typeof expires === 'string' ? expires : '' };
}

function isLive(lock: LockInfo | null, now: number): lock is LockInfo {
  if (!lock) return false;
  const expires = Date.parse(lock.expires_at);
  return Number.isNaN(expires) || expires > now;
}

/**
 * The device's control lock as seen from this page: take it, renew it while the page is open,
 * and give it back when the page closes.
 */
export function useDeviceLock(host: string, id: string, owner: string, liveLock: LockInfo | null): DeviceLock {
  const [token, setToken] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [refusedBy, setRefusedBy] = useState<LockInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const tokenRef = useLatest(token);
  const { putLock } = useLiveStore();

  const take = useCallback(async () => {
    setBusy(true);
    setError(null);
    try {
      const grant = await api.takeLock(host, id, owner, LEASE_SECS, tokenRef.current);
      setToken(grant.token);
      setRefusedBy(null);
      putLock(host, id, { owner: grant.owner, expires_at: grant.expires_at });
    } catch (err) {
      const other = lockFromError(err);
      if (other) setRefusedBy(other);
      else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }, [host, id, owner, putLock, tokenRef]);

  const release = useCallback(async () => {
    const held = tokenRef.current;
    if (!held) return;
    setBusy(true);
    try {
      await api.releaseLock(host, id, held);
      putLock(host, id, null);
    } catch {
      // The lease expires on its own within LEASE_SECS; nothing more to do.
    } finally {
      setToken(null);
      setBusy(false);
    }
  }, [host, id, putLock, tokenRef]);

  // Renew while held. Losing the lock to someone else ends our hold.
  useEffect(() => {
    if (!token) return;
    const timer = window.setInterval(() => {
      api.takeLock(host, id, owner, LEASE_SECS, token).then(
        (grant) => {
          if (grant.token !== token) setToken(grant.token);
        },
        (err: unknown) => {
          const other = lockFromError(err);
          if (other) {
            setToken(null);
            setRefusedBy(other);
          }
          // Network hiccups: keep the token and try again on the next tick.
        },
      );
    }, RENEW_EVERY_MS);
    return () => window.clearInterval(timer);
  }, [host, id, owner, token]);

  // Give the lock back when the page goes away: unmount (navigation) or tab close.
  useEffect(() => {
    const releaseHeld = () => {
      const held = tokenRef.current;
      if (!held) return;
      tokenRef.current = null;
      api.releaseLock(host, id, held, true).then(
        () => putLock(host, id, null),
        () => undefined,
      );
    };
    window.addEventListener('pagehide', releaseHeld);
    return () => {
      window.removeEventListener('pagehide', releaseHeld);
      releaseHeld();
    };
  }, [host, id, putLock, tokenRef]);

  // Re-evaluate expiry times once a second so "until 14:03" locks free up by themselves.
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);

  const noteRefusal = useCallback((err: unknown) => {
    const other = lockFromError(err);
    if (other) {
      setRefusedBy(other);
      setToken(null);
    }
  }, []);

  // Live events are the freshest truth: a released lock clears an earlier refusal.
  const liveLockKey = `${liveLock?.owner}\n${liveLock?.expires_at}`;
  const [seenLiveLock, setSeenLiveLock] = useState(liveLockKey);
  if (seenLiveLock !== liveLockKey) {
    setSeenLiveLock(liveLockKey);
    setRefusedBy(null);
  }

  let heldByOther: LockInfo | null = null;
  if (!token) {
    if (isLive(liveLock, now)) heldByOther = liveLock;
    else if (isLive(refusedBy, now)) heldByOther = refusedBy;
  }

  return { token, held: token !== null, busy, heldByOther, error, take, release, noteRefusal };
}
