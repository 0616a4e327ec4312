import { useState } from 'react';
import type { Reference } from '../api/types';
import { Icon } from '../components/Icon';
import { ReferenceCard } from '../components/references/ReferenceCard';
import { TryDeviceSelect, useTryDevice } from '../components/references/TryDeviceSelect';
import { UploadForm } from '../components/references/UploadForm';
import { ReadOnlyNote } from '../components/RoleGate';
import { EmptyState, ErrorState, Skeleton } from '../components/States';
import { useToast } from '../components/Toasts';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useReferences } from '../hooks/useReferences';
import { Link } from '../lib/router';
import { useCan } from '../store/Auth';

const ALL = '';

function CardSkeleton() {
  return (
    <div className="card reference-card" aria-hidden="true">
      <div className="ref-thumb">
        <div className="thumb-loading" />
      </div>
      <div className="reference-body">
        <Skeleton height={16} width="55%" />
        <Skeleton height={12} width="80%" />
        <Skeleton height={32} width="50%" />
      </div>
    </div>
  );
}

function UserinterfaceFilter({ options, value, onChange }: { options: string[]; value: string; onChange: (v: string) => void }) {
  return (
    <label className="field-inline">
      <span className="field-label">Userinterface</span>
      <select className="input select" value={value} onChange={(e) => onChange(e.target.value)} data-testid="ui-filter">
        <option value={ALL}>All</option>
        {options.map((ui) => (
          <option key={ui} value={ui}>
            {ui}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ReferencesPage() {
  useDocumentTitle('References');
  const toast = useToast();
  const references = useReferences();
  const tryDevice = useTryDevice();
  const [filter, setFilter] = useState(ALL);
  const [search, setSearch] = useState('');
  const [uploadOpen, setUploadOpen] = useState(false);
  const canEdit = useCan('tester');

  const list = references.data;
  const userinterfaces = [...new Set((list ?? []).map((r) => r.userinterface))].sort();
  // A filter whose last reference was deleted or renamed away falls back to everything.
  const activeFilter = userinterfaces.includes(filter) ? filter : ALL;
  // The search looks at the name, the userinterface, the kind and a text reference's text.
  const words = search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (r: Reference) => {
    const haystack = [r.name, r.userinterface, r.kind, r.text ?? ''].join(' ').toLowerCase();
    return words.every((w) => haystack.includes(w));
  };
  const shown = (list ?? []).filter((r) => (activeFilter === ALL || r.userinterface === activeFilter) && matches(r));

  const onUploaded = (reference: Reference) => {
    references.put(reference);
    setUploadOpen(false);
    toast.show(`Uploaded “${reference.name}” for ${reference.userinterface}`, 'info');
  };

  let content;
  if (!list && references.error) {
    content = <ErrorState title="Could not load the references" message={references.error} onRetry={references.reload} />;
  } else if (!list) {
    content = (
      <div className="reference-grid" aria-busy="true">
        {Array.from({ length: 3 }, (_, i) => (
          <CardSkeleton key={i} />
        ))}
      </div>
    );
  } else if (list.length === 0) {
    content = (
      <EmptyState icon="reference" title="No references yet">
        <p>
          Draw a rectangle on a device's live picture to create one: open a device from <Link to="/devices">Devices</Link>,
          choose <strong>Select area</strong> and save the area as an image or a text.
        </p>
        <p>You can also upload a PNG crop.</p>
        {!uploadOpen && canEdit ? (
          <button type="button" className="button state-action" onClick={() => setUploadOpen(true)}>
            <Icon name="upload" size={15} /> Upload PNG
          </button>
        ) : null}
      </EmptyState>
    );
  } else if (shown.length === 0) {
    content = (
      <EmptyState icon="search" title="No reference matches">
        <p>Nothing is named like “{search.trim()}”{activeFilter !== ALL ? ` in ${activeFilter}` : ''}.</p>
        <button type="button" className="button state-action" onClick={() => setSearch('')}>
          Clear the search
        </button>
      </EmptyState>
    );
  } else {
    content = (
      <div className="reference-grid">
        {shown.map((reference) => (
          <ReferenceCard
            key={reference.id}
            reference={reference}
            tryOn={tryDevice.device}
            onChanged={references.put}
            onDeleted={(id) => {
              references.remove(id);
              toast.show(`Deleted “${reference.name}”`, 'info');
            }}
          />
        ))}
      </div>
    );
  }

  return (
    <div className="stack">
      <div className="page-head">
        <h1>
          References {list ? <span className="count">{shown.length}</span> : null}
        </h1>
        <p className="page-sub">
          What to look for on screen, per userinterface: image crops and expected texts, each with the area it was cut from.
        </p>
      </div>
      {list && list.length > 0 ? (
        <div className="toolbar">
          <label className="field-inline reference-search">
            <span className="visually-hidden">Search references</span>
            <input
              className="input"
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder="Search by name or text"
              data-testid="reference-search"
            />
          </label>
          <UserinterfaceFilter options={userinterfaces} value={activeFilter} onChange={setFilter} />
          {canEdit ? (
            <TryDeviceSelect tryDevice={tryDevice} />
          ) : null}
          <span className="toolbar-spacer" />
          {canEdit ? (
            <button
              type="button"
              className="button"
              onClick={() => setUploadOpen((open) => !open)}
              aria-expanded={uploadOpen}
            >
              <Icon name="upload" size={15} /> Upload PNG
            </button>
          ) : <ReadOnlyNote what="making, checking and editing references" />}
        </div>
      ) : null}
      {uploadOpen && canEdit ? (
        <UploadForm userinterfaces={userinterfaces} onUploaded={onUploaded} onClose={() => setUploadOpen(false)} />
      ) : null}
      {content}
    </div>
  );
}
