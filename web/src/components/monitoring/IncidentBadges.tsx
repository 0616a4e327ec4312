import type { Incident } from '../../api/monitoring';
import { formatDateTime } from '../../lib/format';
import { kindIcon, kindTitle } from '../../lib/incidents';
import { Icon } from '../Icon';

export function KindBadge({ kind }: { kind: Incident['kind'] }) {
  return (
    <span className={`badge badge-kind-incident kind-${kind}`} data-kind={kind}>
      <Icon name={kindIcon(kind)} size={12} />
      {kindTitle(kind)}
    </span>
  );
}

export function IncidentStatusBadge({ incident }: { incident: Pick<Incident, 'status'> }) {
  const active = incident.status === 'active';
  return (
    <span className={`badge badge-${active ? 'bad' : 'muted'}`} data-status={incident.status}>
      {active ? <span className="badge-dot pulse-dot" aria-hidden="true" /> : <Icon name="check" size={12} />}
      {active ? 'Active' : 'Resolved'}
    </span>
  );
}

/** "Acknowledged" and "False positive" markers, each with who/when in its tooltip. */
export function IncidentMarkers({ incident }: { incident: Incident }) {
  if (!incident.acknowledged_at && !incident.false_positive) return null;
  return (
    <span className="chips incident-markers">
      {incident.acknowledged_at ? (
        <span
          className="chip chip-ack"
          title={`Acknowledged${incident.acknowledged_by ? ` by ${incident.acknowledged_by}` : ''} ${formatDateTime(incident.acknowledged_at)}`}
          data-testid="marker-ack"
        >
          <Icon name="check" size={12} /> Acknowledged
        </span>
      ) : null}
      {incident.false_positive ? (
        <span className="chip chip-fp" title={incident.comment ?? 'Marked as a false positive'} data-testid="marker-false-positive">
          <Icon name="flag" size={12} /> False positive
        </span>
      ) : null}
    </span>
  );
}
