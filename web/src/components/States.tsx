// Loading, empty and error states shared by every page.

import type { ReactNode } from 'react';
import { Icon } from './Icon';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <span className="spinner" role="status">
      <span className="spinner-ring" aria-hidden="true" />
      <span className="visually-hidden">{label}</span>
    </span>
  );
}

export function Skeleton({ height = 16, width = '100%', className }: { height?: number | string; width?: number | string; className?: string }) {
  return <span className={className ? `skeleton ${className}` : 'skeleton'} style={{ height, width }} aria-hidden="true" />;
}

export function SkeletonCard({ lines = 4, tall = false }: { lines?: number; tall?: boolean }) {
  return (
    <div className={tall ? 'card skeleton-card tall' : 'card skeleton-card'} aria-busy="true" aria-label="Loading">
      <Skeleton height={20} width="45%" />
      {Array.from({ length: lines }, (_, i) => (
        <Skeleton key={i} height={12} width={`${90 - i * 12}%`} />
      ))}
    </div>
  );
}

interface EmptyStateProps {
  icon?: string;
  title: string;
  children?: ReactNode;
}

export function EmptyState({ icon = 'host', title, children }: EmptyStateProps) {
  return (
    <div className="state-panel">
      <Icon name={icon} size={32} className="state-icon" />
      <h3>{title}</h3>
      {children ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

interface ErrorStateProps {
  title?: string;
  message: string;
  onRetry?: () => void;
}

export function ErrorState({ title = 'Could not load this', message, onRetry }: ErrorStateProps) {
  return (
    <div className="state-panel error" role="alert">
      <Icon name="alert" size={32} className="state-icon" />
      <h3>{title}</h3>
      <p className="state-body">{message}</p>
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          <Icon name="refresh" size={16} /> Try again
        </button>
      ) : null}
    </div>
  );
}

type BannerTone = 'info' | 'warning' | 'danger';

export function Banner({ tone = 'info', icon, children }: { tone?: BannerTone; icon?: string; children: ReactNode }) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'info' ? 'status' : 'alert'}>
      <Icon name={icon ?? (tone === 'info' ? 'refresh' : 'alert')} size={18} />
      <div>{children}</div>
    </div>
  );
}
