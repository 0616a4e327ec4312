// A screenshot thumbnail that opens the full picture; hidden when the server no longer keeps it.

import { useState } from 'react';

export function ShotLink({ url, alt, className }: { url: string; alt: string; className: string }) {
  const [failed, setFailed] = useState(false);
  if (failed) return null;
  return (
    <a className={className} href={url} target="_blank" rel="noreferrer" title="Open the screenshot">
      <img src={url} alt={alt} loading="lazy" onError={() => setFailed(true)} />
    </a>
  );
}
