import { navItems } from '../routes';
import type { NavBadge } from '../routes';
import { Icon } from './Icon';
import { Link, isUnder, usePathname } from '../lib/router';
import { useIncidents } from '../store/Incidents';

/** The number next to a sidebar label, or null when there is nothing to count. */
function useBadgeCounts(): Record<NavBadge, number | null> {
  const { active } = useIncidents();
  return { 'active-incidents': active && active.length > 0 ? active.length : null };
}

export function Sidebar() {
  const pathname = usePathname();
  const counts = useBadgeCounts();
  return (
    <div className="sidebar-rail">
      <nav className="sidebar" aria-label="Main">
        <Link to="/" className="brand" aria-label="vpt home">
          <span className="brand-mark" aria-hidden="true">
            <Icon name="devices" size={18} />
          </span>
          <span className="brand-name">vpt</span>
        </Link>
        <ul className="nav-list">
          {navItems.map((item) => {
            const active = isUnder(item.path, pathname) || item.also.some((p) => isUnder(p, pathname));
            const count = item.badge ? counts[item.badge] : null;
            return (
              <li key={item.path}>
                <Link
                  to={item.path}
                  className={active ? 'nav-link active' : 'nav-link'}
                  aria-current={active ? 'page' : undefined}
                  title={item.label}
                >
                  <Icon name={item.icon} size={18} />
                  <span>{item.label}</span>
                  {count !== null ? (
                    <span className="nav-badge" data-testid={`nav-badge-${item.badge}`} aria-label={`${count} active`}>
                      {count}
                    </span>
                  ) : null}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
    </div>
  );
}
