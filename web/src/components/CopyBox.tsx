import { useRef, useState } from 'react';
import { Icon } from './Icon';

async function copyText(value: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    // No clipboard access (plain http on another machine): select the text for Ctrl+C instead.
    return false;
  }
}

/** A secret or command in a read-only box with a copy button. */
export function CopyBox({ value, label, testId }: { value: string; label: string; testId?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'select'>('idle');
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="copy-box">
      <input
        ref={input}
        className="input mono copy-box-value"
        readOnly
        value={value}
        aria-label={label}
        onFocus={(e) => e.target.select()}
        data-testid={testId}
      />
      <button
        type="button"
        className="button"
        onClick={() => {
          void copyText(value).then((ok) => {
            setState(ok ? 'copied' : 'select');
            if (!ok) input.current?.select();
          });
        }}
      >
        <Icon name={state === 'copied' ? 'check' : 'copy'} size={14} /> {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      {state === 'select' ? <span className="muted small copy-box-hint">Selected: press Ctrl+C (⌘C) to copy.</span> : null}
    </div>
  );
}
