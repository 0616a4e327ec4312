import { navItems } from '../routes';
import { Icon } from './Icon';
import { Link, isUnder, usePathname } from '../lib/router';

export function Sidebar() {
  const pathname = usePathname();
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
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
    </div>
  );
}
