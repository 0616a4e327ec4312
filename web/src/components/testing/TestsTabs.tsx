// The three lists under "Tests": test cases, campaigns and schedules.

import { Link } from '../../lib/router';
import { Icon } from '../Icon';

const TABS = [
  { to: '/tests', label: 'Test cases', icon: 'tests' },
  { to: '/tests/campaigns', label: 'Campaigns', icon: 'layers' },
  { to: '/tests/schedules', label: 'Schedules', icon: 'calendar' },
];

export function TestsTabs({ active }: { active: '/tests' | '/tests/campaigns' | '/tests/schedules' }) {
  return (
    <nav className="tabs page-tabs" aria-label="Tests">
      {TABS.map((tab) => (
        <Link
          key={tab.to}
          to={tab.to}
          className="tab"
          aria-current={tab.to === active ? 'page' : undefined}
          data-testid={`tab-${tab.label.toLowerCase().replace(' ', '-')}`}
        >
          <Icon name={tab.icon} size={15} /> {tab.label}
        </Link>
      ))}
    </nav>
  );
}
