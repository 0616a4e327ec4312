// A small modal dialog: a title, content and buttons; Escape or the backdrop closes it.

import { useEffect } from 'react';
import type { ReactNode } from 'react';
import { Icon } from '../Icon';

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer: ReactNode;
  testId?: string;
  /** Room for long content, e.g. a secret on one line. */
  wide?: boolean;
}

export function Dialog({ title, onClose, children, footer, testId, wide = false }: DialogProps) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={wide ? 'dialog dialog-wide' : 'dialog'} role="dialog" aria-modal="true" aria-label={title} data-testid={testId}>
        <div className="panel-head">
          <h2 className="panel-title">{title}</h2>
          <button type="button" className="icon-button icon-xs" onClick={onClose} aria-label="Close">
            <Icon name="close" size={14} />
          </button>
        </div>
        <div className="dialog-body">{children}</div>
        <div className="dialog-foot">{footer}</div>
      </div>
    </div>
  );
}

interface DialogButtonsProps {
  onCancel: () => void;
  onConfirm: () => void;
  busy: boolean;
  label: string;
  busyLabel: string;
  testId?: string;
}

/** The usual footer: Cancel, and the primary action that shows it is working. */
export function DialogButtons({ onCancel, onConfirm, busy, label, busyLabel, testId }: DialogButtonsProps) {
  return (
    <>
      <button type="button" className="button" onClick={onCancel}>
        Cancel
      </button>
      <button type="button" className="button button-primary" disabled={busy} onClick={onConfirm} data-testid={testId}>
        {busy ? busyLabel : label}
      </button>
    </>
  );
}
