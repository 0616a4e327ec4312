import { roleAtLeast } from '../api/auth';
import { NAV_GROUP_LABELS, navItems } from '../routes';
import type { NavBadge, NavItem } from '../routes';
import { Icon } from './Icon';
import { Link, isUnder, usePathname } from '../lib/router';
import { useAuth } from '../store/Auth';
import { useHostApprovals } from '../store/HostApprovals';
import { useIncidents } from '../store/Incidents';

/** The number next to a sidebar label (and what it counts, for screen readers), or null. */
function useBadgeCounts(): Record<NavBadge, { count: number; label: string } | null> {
  const { active } = useIncidents();
  const { pending } = useHostApprovals();
  return {
    'active-incidents': active && active.length > 0 ? { count: active.length, label: `${active.length} active` } : null,
    'pending-hosts': pending > 0 ? { count: pending, label: `${pending} waiting for approval` } : null,
  };
}

function NavLinks({ items, pathname }: { items: NavItem[]; pathname: string }) {
  const counts = useBadgeCounts();
  return (
    <ul className="nav-list">
      {items.map((item) => {
        const active = isUnder(item.path, pathname) || item.also.some((p) => isUnder(p, pathname));
        const badge = item.badge ? counts[item.badge] : null;
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
              {badge ? (
                <span
                  className={item.badge === 'pending-hosts' ? 'nav-badge nav-badge-warn' : 'nav-badge'}
                  data-testid={`nav-badge-${item.badge}`}
                  aria-label={badge.label}
                >
                  {badge.count}
                </span>
              ) : null}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

export function Sidebar() {
  const pathname = usePathname();
  const { me } = useAuth();
  // Links to pages the role cannot open are left out rather than shown and refused.
  const visible = navItems.filter((item) => !item.role || (me !== null && roleAtLeast(me.role, item.role)));
  const main = visible.filter((item) => !item.group);
  const groups = (Object.keys(NAV_GROUP_LABELS) as (keyof typeof NAV_GROUP_LABELS)[])
    .map((group) => ({ group, items: visible.filter((item) => item.group === group) }))
    .filter((g) => g.items.length > 0);
  return (
    <div className="sidebar-rail">
      <nav className="sidebar" aria-label="Main">
        <Link to="/" className="brand" aria-label="vpt home">
          <span className="brand-mark" aria-hidden="true">
            <Icon name="devices" size={18} />
          </span>
          <span className="brand-name">vpt</span>
        </Link>
        <NavLinks items={main} pathname={pathname} />
        {groups.map(({ group, items }) => (
          <div className="nav-group" key={group} data-testid={`nav-group-${group}`}>
            <div className="nav-group-title">{NAV_GROUP_LABELS[group]}</div>
            <NavLinks items={items} pathname={pathname} />
          </div>
        ))}
      </nav>
    </div>
  );
}
