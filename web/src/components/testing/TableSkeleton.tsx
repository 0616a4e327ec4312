import { Skeleton } from '../States';

/** Rows of grey bars while a table loads. */
export function TableSkeleton({ rows = 4 }: { rows?: number }) {
  return (
    <div className="card table-card" aria-busy="true" aria-label="Loading">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="table-skeleton-row">
          <Skeleton height={14} width="30%" />
          <Skeleton height={14} width="15%" />
          <Skeleton height={14} width="10%" />
          <Skeleton height={14} width="12%" />
        </div>
      ))}
    </div>
  );
}
