// Short-lived messages: control requests that the API refused, and incidents as they open and close.

import { createContext, useCallback, useContext, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { Link } from '../lib/router';
import { Icon } from './Icon';

/** `incident`: a monitoring alert (stays longer); `resolved`: the quieter all-clear. */
type ToastTone = 'error' | 'info' | 'incident' | 'resolved';

interface ToastOptions {
  /** Makes the message a link into the app (e.g. to the incident). */
  to?: string;
  /**
   * What the message is about (e.g. `incident-7`): a newer toast about the same thing replaces
   * the older one, so "Black screen" goes when "Black screen … is over" comes.
   */
  subject?: string;
}

interface Toast {
  id: number;
  tone: ToastTone;
  message: string;
  to?: string;
  subject?: string;
}

interface ToastApi {
  show: (message: string, tone?: ToastTone, options?: ToastOptions) => void;
}

const TONE_ICONS: Record<ToastTone, string> = {
  error: 'alert',
  info: 'check',
  incident: 'alert',
  resolved: 'check',
};

const ToastContext = createContext<ToastApi | null>(null);

const TOAST_MS = 5000;
const INCIDENT_TOAST_MS = 12_000;
/** Few at a time, so the stack never climbs over the page's forms. */
const MAX_TOASTS = 3;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => {
    setToasts((list) => list.filter((t) => t.id !== id));
  }, []);

  const show = useCallback(
    (message: string, tone: ToastTone = 'error', options: ToastOptions = {}) => {
      const id = nextId.current++;
      // Holding a button against a refusing device would otherwise stack the same message.
      setToasts((list) => {
        if (list.some((t) => t.message === message)) return list;
        const rest = options.subject ? list.filter((t) => t.subject !== options.subject) : list;
        return [...rest, { id, tone, message, to: options.to, subject: options.subject }].slice(-MAX_TOASTS);
      });
      window.setTimeout(() => dismiss(id), tone === 'incident' ? INCIDENT_TOAST_MS : TOAST_MS);
    },
    [dismiss],
  );

  const api = useMemo(() => ({ show }), [show]);

  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="toasts" aria-live="polite">
        {toasts.map((toast) => (
          <div
            key={toast.id}
            className={`toast toast-${toast.tone}`}
            role={toast.tone === 'error' || toast.tone === 'incident' ? 'alert' : 'status'}
            data-tone={toast.tone}
          >
            <Icon name={TONE_ICONS[toast.tone]} size={16} />
            {toast.to ? (
              <span>
                <Link to={toast.to} className="toast-link" onClick={() => dismiss(toast.id)}>
                  {toast.message}
                </Link>
              </span>
            ) : (
              <span>{toast.message}</span>
            )}
            <button type="button" className="toast-close" onClick={() => dismiss(toast.id)} aria-label="Dismiss">
              <Icon name="close" size={14} />
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error('useToast must be used inside <ToastProvider>');
  return api;
}
