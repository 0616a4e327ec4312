import { useCallback, useEffect, useMemo, useState } from 'react';
import { asSentence, errorMessage } from '../api/client';
import { authApi } from '../api/auth';
import type { AuditEntry, AuditQuery } from '../api/auth';
import { Icon } from '../components/Icon';
import { EmptyState, ErrorState, Spinner } from '../components/States';
import { TableSkeleton } from '../components/testing/TableSkeleton';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useLatest } from '../hooks/useLatest';
import { useLoad } from '../hooks/useLoad';
import { useNow } from '../hooks/useNow';
import { useUrlFilters } from '../hooks/useUrlFilters';
import { ACTION_FAMILIES, actionLabel, actionTone, detailFacts, groupEntries, targetText } from '../lib/audit';
import { formatAgo, formatDateTimeSeconds, formatTime } from '../lib/format';

const PAGE_SIZE = 50;
const TYPING_DELAY_MS = 300;

const NO_FILTERS = { user: '', action: '', since: '', until: '' };
type Filters = typeof NO_FILTERS;

/** A `datetime-local` value (local time) as the RFC 3339 time the API takes. */
function toRfc3339(local: string): string | undefined {
  if (!local) return undefined;
  const ms = Date.parse(local);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function queryOf(filters: Filters, user: string): AuditQuery {
  return {
    user: user || undefined,
    action: filters.action || undefined,
    since: toRfc3339(filters.since),
    until: toRfc3339(filters.until),
    limit: PAGE_SIZE,
  };
}

/** The first page for the filters, then older pages on demand. */
function useAuditPages(query: AuditQuery) {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const key = JSON.stringify(query);
  const keyRef = useLatest(key);

  // Other filters, or "Try again", start from an empty list.
  const request = `${key}\n${attempt}`;
  const [listOf, setListOf] = useState(request);
  if (listOf !== request) {
    setListOf(request);
    setEntries(null);
    setError(null);
    setMoreError(null);
  }

  useEffect(() => {
    const controller = new AbortController();
    authApi.audit(JSON.parse(key) as AuditQuery, controller.signal).then(
      (page) => {
        setEntries(page.entries);
        setNext(page.next);
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setError(asSentence(errorMessage(err)));
      },
    );
    return () => controller.abort();
  }, [key, attempt]);

  const loadMore = useCallback(async () => {
    if (next === null) return;
    const asked = key;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await authApi.audit({ ...(JSON.parse(asked) as AuditQuery), before: next });
      if (keyRef.current !== asked) return;
      setEntries((list) => [...(list ?? []), ...page.entries]);
      setNext(page.next);
    } catch (err) {
      setMoreError(asSentence(errorMessage(err)));
    } finally {
      setLoadingMore(false);
    }
  }, [key, next, keyRef]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { entries, hasMore: next !== null, error, moreError, loadingMore, loadMore, reload };
}

function Details({ detail }: { detail: unknown }) {
  const facts = detailFacts(detail);
  if (facts.length === 0) return <span className="muted">—</span>;
  return (
    <span className="audit-facts">
      {facts.map((f, i) => (
        <span key={`${f.label}-${i}`} className="audit-fact">
          {f.label ? <span className="audit-fact-label">{f.label}</span> : null} {f.value}
        </span>
      ))}
    </span>
  );
}

function Target({ target }: { target: string | null }) {
  if (!target) return <span className="muted">—</span>;
  const { text, path } = targetText(target);
  return (
    <span className={path ? 'mono' : undefined} title={target}>
      {text}
    </span>
  );
}

function AuditRow({ entry, count, oldest, now }: { entry: AuditEntry; count: number; oldest: AuditEntry; now: number }) {
  const tone = actionTone(entry.action);
  return (
    <tr data-action={entry.action} data-user={entry.user ?? ''} data-count={count}>
      <td className="nowrap small" title={formatDateTimeSeconds(entry.at)}>
        <div>{formatDateTimeSeconds(entry.at)}</div>
        <div className="muted">
          {count > 1 ? `${count} times since ${formatTime(oldest.at)}` : formatAgo(entry.at, now)}
        </div>
      </td>
      <td className="nowrap">{entry.user ? <span className="strong">{entry.user}</span> : <span className="muted">not signed in</span>}</td>
      <td>
        <div className={tone ? `audit-action audit-action-${tone}` : 'audit-action'}>
          {actionLabel(entry.action)}
          {count > 1 ? <span className="count" data-testid="audit-count">×{count}</span> : null}
        </div>
        <div className="mono faint small">{entry.action}</div>
      </td>
      <td className="audit-target small">
        <Target target={entry.target} />
      </td>
      <td className="mono small nowrap">{entry.ip ?? <span className="muted">—</span>}</td>
      <td className="small">
        <Details detail={entry.detail} />
      </td>
    </tr>
  );
}

export function AuditPage() {
  useDocumentTitle('Audit log');
  const now = useNow(30_000);
  const { filters, setFilters, set, filtered } = useUrlFilters(NO_FILTERS);
  const [user, setUser] = useState(filters.user);

  // The user box filters as one types, once typing pauses.
  useEffect(() => {
    const timer = window.setTimeout(() => setFilters((f) => (f.user === user.trim() ? f : { ...f, user: user.trim() })), TYPING_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [user, setFilters]);

  const users = useLoad((signal) => authApi.users(signal), []);
  const query = useMemo(() => queryOf(filters, filters.user), [filters]);
  const list = useAuditPages(query);

  let content;
  if (list.error && !list.entries) {
    content = <ErrorState title="Could not read the audit log" message={list.error} onRetry={list.reload} />;
  } else if (!list.entries) {
    content = <TableSkeleton rows={6} />;
  } else if (list.entries.length === 0) {
    content = filtered ? (
      <EmptyState icon="search" title="No entry matches these filters">
        <button
          type="button"
          className="button state-action"
          onClick={() => {
            setUser('');
            setFilters(NO_FILTERS);
          }}
        >
          Clear the filters
        </button>
      </EmptyState>
    ) : (
      <EmptyState icon="report" title="Nothing recorded yet">
        <p>Sign-ins, user and token changes, device control and every change to tests and trees are recorded here.</p>
      </EmptyState>
    );
  } else {
    content = (
      <div className="card table-card">
        <table className="table data-table audit-table" data-testid="audit">
          <thead>
            <tr>
              <th>Time</th>
              <th>User</th>
              <th>Action</th>
              <th>Target</th>
              <th>From</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {groupEntries(list.entries).map((g) => (
              <AuditRow key={g.entry.id} entry={g.entry} count={g.count} oldest={g.oldest} now={now} />
            ))}
          </tbody>
        </table>
        {list.hasMore || list.moreError ? (
          <div className="pager">
            <span className="muted small">
              {list.entries.length} shown{list.moreError ? ` · ${list.moreError}` : ''}
            </span>
            <button type="button" className="button button-sm" onClick={() => void list.loadMore()} disabled={list.loadingMore} data-testid="load-more">
              {list.loadingMore ? <Spinner label="Loading older entries" /> : <Icon name="down" size={14} />} Load older
            </button>
          </div>
        ) : (
          <div className="pager">
            <span className="muted small">
              {list.entries.length} {list.entries.length === 1 ? 'entry' : 'entries'}: the oldest is shown last.
            </span>
          </div>
        )}
      </div>
    );
  }

  return (
    <div className="stack">
      <div className="page-head">
        <h1>Audit log</h1>
        <p className="page-sub">Who did what, newest first: sign-ins, accounts, device control and every change to tests and trees.</p>
      </div>
      <div className="toolbar filters audit-filters" data-testid="audit-filters">
        <label className="field-inline">
          <span className="field-label">User</span>
          <input
            className="input audit-user"
            list="audit-users"
            value={user}
            placeholder="Anyone"
            onChange={(e) => setUser(e.target.value)}
            data-testid="filter-user"
          />
          <datalist id="audit-users">
            {(users.data ?? []).map((u) => (
              <option key={u.id} value={u.name} />
            ))}
          </datalist>
        </label>
        <label className="field-inline">
          <span className="field-label">Action</span>
          <select className="input select" value={filters.action} onChange={(e) => set({ action: e.target.value })} data-testid="filter-action">
            <option value="">Any</option>
            {ACTION_FAMILIES.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
            {filters.action && !ACTION_FAMILIES.some((a) => a.value === filters.action) ? (
              <option value={filters.action}>{actionLabel(filters.action)}</option>
            ) : null}
          </select>
        </label>
        <label className="field-inline">
          <span className="field-label">Since</span>
          <input
            className="input"
            type="datetime-local"
            value={filters.since}
            max={filters.until || undefined}
            onChange={(e) => set({ since: e.target.value })}
            data-testid="filter-since"
          />
        </label>
        <label className="field-inline">
          <span className="field-label">Until</span>
          <input
            className="input"
            type="datetime-local"
            value={filters.until}
            min={filters.since || undefined}
            onChange={(e) => set({ until: e.target.value })}
            data-testid="filter-until"
          />
        </label>
        {filtered ? (
          <button
            type="button"
            className="button button-sm"
            onClick={() => {
              setUser('');
              setFilters(NO_FILTERS);
            }}
          >
            <Icon name="close" size={13} /> Clear
          </button>
        ) : null}
        <span className="toolbar-spacer" />
        <button type="button" className="button button-sm" onClick={list.reload} title="Read the newest entries">
          <Icon name="refresh" size={13} /> Refresh
        </button>
      </div>
      {content}
    </div>
  );
}
