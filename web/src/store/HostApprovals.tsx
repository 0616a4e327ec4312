// Hosts waiting for (or given) an admin's approval, for admins: read once, then kept current by
// `host.approval` events. The sidebar counts the waiting ones; the Hosts page lists them all.

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { approvalFromEvent, authApi } from '../api/auth';
import type { HostApproval } from '../api/auth';
import { useCan } from './Auth';
import { useLiveStore } from './LiveStore';

interface HostApprovalsValue {
  /** null until loaded (and always for non-admins). */
  approvals: HostApproval[] | null;
  error: string | null;
  /** The server has no host approval routes. */
  unsupported: boolean;
  /** How many hosts wait for an admin. */
  pending: number;
  reload: () => void;
  /** Stores a record the server answered (after approve or revoke), before its event arrives. */
  put: (record: HostApproval) => void;
}

const HostApprovalsContext = createContext<HostApprovalsValue | null>(null);

function upsert(list: HostApproval[] | null, record: HostApproval): HostApproval[] {
  const rest = (list ?? []).filter((a) => a.name !== record.name);
  return [...rest, record];
}

export function HostApprovalsProvider({ children }: { children: ReactNode }) {
  const admin = useCan('admin');
  const { subscribe, state } = useLiveStore();
  const [approvals, setApprovals] = useState<HostApproval[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [unsupported, setUnsupported] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const connected = state.connection.state === 'connected';
  // The first connection after the page opened is not a reconnection.
  const wasConnected = useRef(connected || state.connection.state === 'connecting');

  // Only admins see approvals: none are kept for anyone else.
  if (!admin && approvals !== null) setApprovals(null);

  useEffect(() => {
    if (!admin) return undefined;
    const controller = new AbortController();
    authApi.hostApprovals(controller.signal).then(
      (list) => {
        setApprovals(list);
        setError(null);
        setUnsupported(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.status === 404) setUnsupported(true);
        else setError(errorMessage(err));
      },
    );
    return () => controller.abort();
  }, [admin, attempt]);

  // Read again after the event socket comes back: events may have been missed meanwhile.
  useEffect(() => {
    if (connected && !wasConnected.current) setAttempt((n) => n + 1);
    wasConnected.current = connected;
  }, [connected]);

  useEffect(() => {
    if (!admin) return undefined;
    return subscribe((event) => {
      if ((event as { type?: unknown }).type !== 'host.approval') return;
      const record = approvalFromEvent(event);
      if (record) setApprovals((list) => upsert(list, record));
    });
  }, [admin, subscribe]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const put = useCallback((record: HostApproval) => setApprovals((list) => upsert(list, record)), []);
  const pending = approvals?.filter((a) => a.status === 'pending').length ?? 0;

  const value = useMemo(
    () => ({ approvals, error, unsupported, pending, reload, put }),
    [approvals, error, unsupported, pending, reload, put],
  );
  return <HostApprovalsContext.Provider value={value}>{children}</HostApprovalsContext.Provider>;
}

export function useHostApprovals(): HostApprovalsValue {
  const value = useContext(HostApprovalsContext);
  if (!value) throw new Error('useHostApprovals must be used inside <HostApprovalsProvider>');
  return value;
}
