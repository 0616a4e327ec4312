import { useState } from 'react';
import type { Reference } from '../../api/types';
import { Icon } from '../Icon';

/** The reference's PNG crop on a checkerboard, so transparent (masked) pixels show as such. */
export function ReferenceThumb({ reference, className }: { reference: Reference; className?: string }) {
  const [failed, setFailed] = useState(false);
  // The crop of a text reference may be re-cut when its area changes: bust the cache by update time.
  const src = `${reference.image_url}?v=${encodeURIComponent(reference.updated_at)}`;
  return (
    <div className={className ? `ref-thumb ${className}` : 'ref-thumb'}>
      {failed ? (
        <div className="ref-thumb-missing">
          <Icon name="reference" size={22} />
          <span>No image</span>
        </div>
      ) : (
        <img src={src} alt={`Reference ${reference.name}`} onError={() => setFailed(true)} decoding="async" />
      )}
    </div>
  );
}
