import type { ReferenceKind } from '../../api/types';
import { Icon } from '../Icon';

export function KindBadge({ kind }: { kind: ReferenceKind }) {
  return (
    <span className={`badge badge-kind badge-kind-${kind}`} data-kind={kind}>
      <Icon name={kind === 'image' ? 'reference' : 'text'} size={12} />
      {kind === 'image' ? 'Image' : 'Text'}
    </span>
  );
}
