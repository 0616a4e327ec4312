import { useEffect, useState } from 'react';
import { testingApi } from '../api/testing';
import type { TestCaseSummary } from '../api/testing';
import { Icon } from '../components/Icon';
import { ReadOnlyNote } from '../components/RoleGate';
import { EmptyState, ErrorState } from '../components/States';
import { ConfirmDialog } from '../components/testing/ConfirmDialog';
import { RunDialog } from '../components/testing/RunDialog';
import { RunStatusBadge } from '../components/testing/RunStatusBadge';
import { TableSkeleton } from '../components/testing/TableSkeleton';
import { TestsTabs } from '../components/testing/TestsTabs';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useLoad } from '../hooks/useLoad';
import { useNow } from '../hooks/useNow';
import { useServerEvents } from '../hooks/useServerEvents';
import { formatAgo, formatDateTime } from '../lib/format';
import { startedByMe } from '../lib/identity';
import { Link, navigate } from '../lib/router';
import { useCan } from '../store/Auth';

const SEARCH_DELAY_MS = 250;


function TestCaseRow({
  testcase,
  now,
  canChange,
  onRun,
  onDuplicate,
  onDelete,
  onTag,
}: {
  testcase: TestCaseSummary;
  now: number;
  /** Testers run, duplicate and delete; viewers only open it. */
  canChange: boolean;
  onRun: () => void;
  onDuplicate: () => void;
  onDelete: () => void;
  onTag: (tag: string) => void;
}) {
  const href = `/tests/${testcase.id}`;
  return (
    <tr data-testcase={testcase.name}>
      <td className="cell-main">
        <Link to={href} className="row-title">
          {testcase.name}
        </Link>
        {testcase.description ? (
          <div className="muted small row-sub" title={testcase.description}>
            {testcase.description}
          </div>
        ) : null}
      </td>
      <td className="col-tags">
        {testcase.tags.length ? (
          <span className="chips">
            {testcase.tags.map((tag) => (
              <button key={tag} type="button" className="chip chip-button" onClick={() => onTag(tag)} title={`Show only “${tag}”`}>
                {tag}
              </button>
            ))}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>{testcase.userinterface ?? <span className="muted">—</span>}</td>
      <td className="num">{testcase.steps}</td>
      <td className="nowrap">
        {testcase.last_run ? (
          <Link to={`/runs/${testcase.last_run.id}`} className="status-link" title="Open the last run">
            <RunStatusBadge status={testcase.last_run.status} />
            {testcase.last_run.finished_at ? <span className="muted small">{formatAgo(testcase.last_run.finished_at, now)}</span> : null}
          </Link>
        ) : (
          <span className="muted small">Never run</span>
        )}
      </td>
      <td className="muted small nowrap" title={formatDateTime(testcase.updated_at)}>
        {formatAgo(testcase.updated_at, now)}
      </td>
      <td className="cell-actions">
        {canChange ? (
          <>
            <button type="button" className="button button-sm button-primary" onClick={onRun} data-testid="run">
              <Icon name="play" size={13} /> Run
            </button>
            <Link to={href} className="icon-button icon-sm" title="Edit" aria-label={`Edit ${testcase.name}`}>
              <Icon name="edit" size={15} />
            </Link>
            <button type="button" className="icon-button icon-sm" onClick={onDuplicate} title="Duplicate" aria-label={`Duplicate ${testcase.name}`}>
              <Icon name="copy" size={15} />
            </button>
            <button
              type="button"
              className="icon-button icon-sm icon-button-danger"
              onClick={onDelete}
              title="Delete"
              aria-label={`Delete ${testcase.name}`}
            >
              <Icon name="trash" size={15} />
            </button>
          </>
        ) : (
          <Link to={href} className="icon-button icon-sm" title="Open" aria-label={`Open ${testcase.name}`}>
            <Icon name="right" size={15} />
          </Link>
        )}
      </td>
    </tr>
  );
}

export function TestCasesPage() {
  useDocumentTitle('Test cases');
  const toast = useToast();
  const now = useNow(10_000);
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [tag, setTag] = useState('');
  const [running, setRunning] = useState<TestCaseSummary | null>(null);
  const [deleting, setDeleting] = useState<TestCaseSummary | null>(null);
  const canChange = useCan('tester');

  useEffect(() => {
    const timer = window.setTimeout(() => setQ(search.trim()), SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [search]);

  const list = useLoad((signal) => testingApi.testcases({ q, tag }, signal), [q, tag]);
  const tags = useLoad((signal) => testingApi.tags(signal), []);
  const reload = () => {
    list.reload();
    tags.reload();
  };
  useServerEvents(['testcase.', 'run.finished'], reload, reload);

  const duplicate = async (testcase: TestCaseSummary) => {
    try {
      const copy = await testingApi.duplicateTestcase(testcase.id);
      toast.show(`Duplicated as “${copy.name}”`, 'info');
      reload();
    } catch (err) {
      toast.show(err instanceof Error ? err.message : 'Could not duplicate.');
    }
  };

  const filtered = q !== '' || tag !== '';
  const data = list.data;
  let content;
  if (!data && list.error) {
    content = <ErrorState title="Could not load the test cases" message={list.error} onRetry={list.reload} />;
  } else if (!data) {
    content = <TableSkeleton />;
  } else if (data.length === 0 && !filtered) {
    content = (
      <EmptyState icon="tests" title={canChange ? 'No test cases yet — create one' : 'No test cases yet'}>
        <p>
          A test case is a list of steps run on a device: go to a screen of the navigation tree, press keys, check what
          the screen shows. Runs keep a report with pictures of every step.
        </p>
        {canChange ? (
          <button type="button" className="button button-primary state-action" onClick={() => navigate('/tests/new')} data-testid="empty-new">
            <Icon name="plus" size={15} /> New test case
          </button>
        ) : null}
      </EmptyState>
    );
  } else if (data.length === 0) {
    content = (
      <EmptyState icon="search" title="No test case matches">
        <p>Nothing matches {q ? `“${q}”` : ''}{q && tag ? ' with ' : ''}{tag ? `the tag “${tag}”` : ''}.</p>
        <button
          type="button"
          className="button state-action"
          onClick={() => {
            setSearch('');
            setQ('');
            setTag('');
          }}
        >
          Clear the filters
        </button>
      </EmptyState>
    );
  } else {
    content = (
      <div className="card table-card">
        <table className="table data-table" data-testid="testcases">
          <thead>
            <tr>
              <th>Name</th>
              <th>Tags</th>
              <th>Userinterface</th>
              <th className="num">Steps</th>
              <th>Last run</th>
              <th>Updated</th>
              <th className="cell-actions">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((testcase) => (
              <TestCaseRow
                key={testcase.id}
                testcase={testcase}
                now={now}
                canChange={canChange}
                onRun={() => setRunning(testcase)}
                onDuplicate={() => void duplicate(testcase)}
                onDelete={() => setDeleting(testcase)}
                onTag={setTag}
              />
            ))}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <div className="stack">
      <div className="page-head-row">
        <div className="page-head">
          <h1>
            Tests {data ? <span className="count">{data.length}</span> : null}
          </h1>
          <p className="page-sub">Test cases, campaigns that run several in a row, and schedules that start them.</p>
        </div>
        {canChange ? (
          <button type="button" className="button button-primary" onClick={() => navigate('/tests/new')} data-testid="new-testcase">
            <Icon name="plus" size={15} /> New test case
          </button>
        ) : (
          <ReadOnlyNote what="running and editing tests" />
        )}
      </div>
      <TestsTabs active="/tests" />
      <div className="toolbar">
        <label className="search-field">
          <Icon name="search" size={15} />
          <input
            className="input"
            type="search"
            placeholder="Search by name or description"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            aria-label="Search test cases"
            data-testid="search"
          />
        </label>
        {tags.data && tags.data.length > 0 ? (
          <div className="tag-filter" role="group" aria-label="Filter by tag">
            <Icon name="tag" size={15} className="muted" />
            {tags.data.map((t) => (
              <button
                key={t.tag}
                type="button"
                className="chip chip-button"
                aria-pressed={tag === t.tag}
                onClick={() => setTag(tag === t.tag ? '' : t.tag)}
              >
                {t.tag} <span className="chip-count">{t.count}</span>
              </button>
            ))}
          </div>
        ) : null}
      </div>
      {content}
      {running && canChange ? (
        <RunDialog
          what={running.name}
          onClose={() => setRunning(null)}
          start={async (target) => {
            const run = await testingApi.startRun({ testcase_id: running.id, target, started_by: startedByMe() });
            return `/runs/${run.id}`;
          }}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete “${deleting.name}”?`}
          confirmLabel="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await testingApi.deleteTestcase(deleting.id);
            toast.show(`Deleted “${deleting.name}”`, 'info');
            reload();
          }}
        >
          <p>Its runs and their reports stay. A campaign that lists it must drop it first.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
