import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { api } from '../../api/endpoints';
import type { Device, Reference } from '../../api/types';
import { useVerify } from '../../hooks/useVerify';
import { formatArea } from '../../lib/area';
import { formatDateTime } from '../../lib/format';
import { referenceNameProblem } from '../../lib/referenceNames';
import { canTry, referenceVerification } from '../../lib/verifications';
import { useCan } from '../../store/Auth';
import { Icon } from '../Icon';
import { InlineEdit } from '../InlineEdit';
import { Verdict } from '../verify/Verdict';
import { KindBadge } from './KindBadge';
import { ReferenceThumb } from './ReferenceThumb';

interface ReferenceCardProps {
  reference: Reference;
  /** The device "Try it now" runs on, or null when none is online. */
  tryOn: Device | null;
  onChanged: (reference: Reference) => void;
  onDeleted: (id: number) => void;
}

type Editing = 'none' | 'name' | 'text' | 'delete';

export function ReferenceCard({ reference, tryOn, onChanged, onDeleted }: ReferenceCardProps) {
  const [editing, setEditing] = useState<Editing>('none');
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const verifier = useVerify();
  // Trying, renaming, editing and deleting a reference are for testers.
  const canEdit = useCan('tester');

  const save = async (patch: { name?: string; text?: string }) => {
    const updated = await api.updateReference(reference.id, patch);
    onChanged(updated);
    setEditing('none');
  };

  const remove = async () => {
    setDeleting(true);
    setDeleteError(null);
    try {
      await api.deleteReference(reference.id);
      onDeleted(reference.id);
    } catch (err) {
      setDeleteError(errorMessage(err));
      setDeleting(false);
    }
  };

  const tryIt = () => {
    if (!tryOn) return;
    void verifier.run(tryOn.host, tryOn.id, referenceVerification(reference), reference.name);
  };

  const tryDisabledReason = !tryOn
    ? 'No device with a picture is online.'
    : !canTry(reference)
      ? 'This text reference has no expected text yet.'
      : null;

  return (
    <article className="card reference-card" data-reference={reference.name} aria-labelledby={`ref-${reference.id}-name`}>
      <ReferenceThumb reference={reference} />
      <div className="reference-body">
        {editing === 'name' ? (
          <InlineEdit
            label="Name"
            initial={reference.name}
            validate={referenceNameProblem}
            onSave={(name) => save({ name })}
            onCancel={() => setEditing('none')}
          />
        ) : (
          <div className="reference-head">
            <h3 id={`ref-${reference.id}-name`} className="reference-name" title={reference.name}>
              {reference.name}
            </h3>
            <KindBadge kind={reference.kind} />
          </div>
        )}
        <div className="reference-meta">
          <span title="Userinterface">
            <Icon name="devices" size={14} /> {reference.userinterface}
          </span>
          {reference.area ? (
            <span
              className="mono"
              title={
                reference.source_width && reference.source_height
                  ? `Area of a ${reference.source_width}×${reference.source_height} frame`
                  : 'Area in the frame'
              }
            >
              {formatArea(reference.area)}
            </span>
          ) : null}
          <span title={`Created ${formatDateTime(reference.created_at)}`}>{formatDateTime(reference.created_at)}</span>
        </div>

        {reference.kind === 'text' ? (
          editing === 'text' ? (
            <InlineEdit
              label="Expected text"
              initial={reference.text ?? ''}
              mono
              validate={(v) => (v.trim() === '' ? 'Enter the text to expect.' : null)}
              onSave={(text) => save({ text })}
              onCancel={() => setEditing('none')}
            />
          ) : (
            <div className="reference-text">
              <span className="field-label">Expected text</span>
              <span className={reference.text ? 'mono' : 'muted'} data-testid="reference-text">
                {reference.text ? reference.text : 'nothing yet'}
              </span>
              {canEdit ? (
                <button
                  type="button"
                  className="icon-button"
                  onClick={() => setEditing('text')}
                  aria-label={`Edit the text of ${reference.name}`}
                  title="Edit the expected text"
                >
                  <Icon name="edit" size={14} />
                </button>
              ) : null}
            </div>
          )
        ) : null}

        {editing === 'delete' ? (
          <div className="confirm" role="alertdialog" aria-label={`Delete ${reference.name}?`}>
            <p>
              Delete <strong>{reference.name}</strong>? Scripts that use it will no longer find it.
            </p>
            <div className="button-row">
              <button type="button" className="button button-sm" onClick={() => setEditing('none')} disabled={deleting}>
                Cancel
              </button>
              <button type="button" className="button button-sm button-danger" onClick={() => void remove()} disabled={deleting}>
                <Icon name="trash" size={14} /> {deleting ? 'Deleting…' : 'Delete'}
              </button>
            </div>
            {deleteError ? <p className="form-error">{deleteError}</p> : null}
          </div>
        ) : canEdit ? (
          <div className="reference-actions">
            <button
              type="button"
              className="button button-primary"
              onClick={tryIt}
              disabled={tryDisabledReason !== null || verifier.running !== null}
              title={tryDisabledReason ?? (tryOn ? `Look for it on ${tryOn.name} now` : undefined)}
            >
              <Icon name="target" size={15} /> {verifier.running ? 'Checking…' : 'Try it now'}
            </button>
            <button
              type="button"
              className="icon-button"
              onClick={() => setEditing('name')}
              disabled={editing === 'name'}
              aria-label={`Rename ${reference.name}`}
              title="Rename"
            >
              <Icon name="edit" size={15} />
            </button>
            <button
              type="button"
              className="icon-button icon-button-danger"
              onClick={() => setEditing('delete')}
              aria-label={`Delete ${reference.name}`}
              title="Delete"
            >
              <Icon name="trash" size={15} />
            </button>
          </div>
        ) : null}

        {verifier.last ? <Verdict run={verifier.last} /> : null}
      </div>
    </article>
  );
}
