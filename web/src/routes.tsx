// Every page of the app. A route with `nav` also gets a sidebar link, in this order.

import { lazy } from 'react';
import type { ComponentType } from 'react';
import type { Role } from './api/auth';
import { PageLoadFailed } from './components/PageLoadFailed';
import type { RouteParams } from './lib/router';
import { DashboardPage } from './pages/DashboardPage';
import { DevicesPage } from './pages/DevicesPage';
import { DeviceViewPage } from './pages/DeviceViewPage';
import { ReferencesPage } from './pages/ReferencesPage';
import { SettingsPage } from './pages/SettingsPage';

/**
 * A page loaded on first use. When its code cannot be fetched (the server went away since this
 * tab loaded), the page says so instead of the whole app going blank.
 */
function lazyPage(load: () => Promise<ComponentType<PageProps>>) {
  return lazy(() => load().then((page) => ({ default: page }), () => ({ default: PageLoadFailed })));
}

// The graph editor brings React Flow along: loaded when the page is first opened.
const NavigationPage = lazyPage(() => import('./pages/NavigationPage').then((m) => m.NavigationPage));

// Tests, runs, campaigns and schedules: loaded when one of their pages is first opened.
const TestCasesPage = lazyPage(() => import('./pages/TestCasesPage').then((m) => m.TestCasesPage));
const TestCaseEditorPage = lazyPage(() => import('./pages/TestCaseEditorPage').then((m) => m.TestCaseEditorPage));
const CampaignsPage = lazyPage(() => import('./pages/CampaignsPage').then((m) => m.CampaignsPage));
const CampaignEditorPage = lazyPage(() => import('./pages/CampaignEditorPage').then((m) => m.CampaignEditorPage));
const CampaignRunPage = lazyPage(() => import('./pages/CampaignRunPage').then((m) => m.CampaignRunPage));
const SchedulesPage = lazyPage(() => import('./pages/SchedulesPage').then((m) => m.SchedulesPage));
const ScheduleEditorPage = lazyPage(() => import('./pages/ScheduleEditorPage').then((m) => m.ScheduleEditorPage));
const RunsPage = lazyPage(() => import('./pages/RunsPage').then((m) => m.RunsPage));
const RunPage = lazyPage(() => import('./pages/RunPage').then((m) => m.RunPage));

// Monitoring: the incident list and page, and the wall of every device's picture.
const IncidentsPage = lazyPage(() => import('./pages/IncidentsPage').then((m) => m.IncidentsPage));
const IncidentPage = lazyPage(() => import('./pages/IncidentPage').then((m) => m.IncidentPage));
const WallPage = lazyPage(() => import('./pages/WallPage').then((m) => m.WallPage));

// Accounts: one's own API tokens; users, host approval and the audit log for admins.
const TokensPage = lazyPage(() => import('./pages/TokensPage').then((m) => m.TokensPage));
const UsersPage = lazyPage(() => import('./pages/UsersPage').then((m) => m.UsersPage));
const HostsAdminPage = lazyPage(() => import('./pages/HostsAdminPage').then((m) => m.HostsAdminPage));
const AuditPage = lazyPage(() => import('./pages/AuditPage').then((m) => m.AuditPage));

export type NavBadge = 'active-incidents' | 'pending-hosts';

export interface PageProps {
  params: RouteParams;
}

export interface AppRoute {
  path: string;
  page: ComponentType<PageProps>;
  /**
   * `also`: other path prefixes the sidebar link stands for (e.g. `/campaign-runs` under Tests, whose
   * Campaigns page lists them and is where the campaign run page's back link goes);
   * `badge`: a live count shown next to the label; `group`: listed under that heading.
   */
  nav?: { label: string; icon: string; also?: string[]; badge?: NavBadge; group?: NavGroup };
  /** The least role the page is for: others get a "needs the … role" page, and no sidebar link. */
  role?: Role;
  /** What the page is for, said to a user whose role does not open it. */
  purpose?: string;
  /** The top bar's label for a page without a sidebar link of its own. */
  section?: string;
}

export type NavGroup = 'admin';

export const NAV_GROUP_LABELS: Record<NavGroup, string> = { admin: 'Admin' };

const CREATE_TESTS = 'Creating test cases, campaigns and schedules is for testers.';
const ADMIN = (what: string) => `${what} is for admins.`;

export const routes: AppRoute[] = [
  { path: '/', page: DashboardPage, nav: { label: 'Dashboard', icon: 'dashboard' } },
  { path: '/devices', page: DevicesPage, nav: { label: 'Devices', icon: 'devices' } },
  { path: '/devices/:host/:id', page: DeviceViewPage },
  { path: '/wall', page: WallPage, nav: { label: 'Wall', icon: 'grid' } },
  { path: '/incidents', page: IncidentsPage, nav: { label: 'Incidents', icon: 'bell', badge: 'active-incidents' } },
  { path: '/incidents/:id', page: IncidentPage },
  { path: '/references', page: ReferencesPage, nav: { label: 'References', icon: 'reference' } },
  { path: '/navigation', page: NavigationPage, nav: { label: 'Navigation', icon: 'tree' } },
  { path: '/navigation/:ui', page: NavigationPage },
  { path: '/tests', page: TestCasesPage, nav: { label: 'Tests', icon: 'tests', also: ['/campaign-runs'] } },
  { path: '/tests/new', page: TestCaseEditorPage, role: 'tester', purpose: CREATE_TESTS },
  { path: '/tests/campaigns', page: CampaignsPage },
  { path: '/tests/campaigns/new', page: CampaignEditorPage, role: 'tester', purpose: CREATE_TESTS },
  { path: '/tests/campaigns/:id', page: CampaignEditorPage },
  { path: '/tests/schedules', page: SchedulesPage },
  { path: '/tests/schedules/new', page: ScheduleEditorPage, role: 'tester', purpose: CREATE_TESTS },
  { path: '/tests/schedules/:id', page: ScheduleEditorPage },
  { path: '/tests/:id', page: TestCaseEditorPage },
  { path: '/runs', page: RunsPage, nav: { label: 'Runs', icon: 'runs' } },
  { path: '/runs/:id', page: RunPage },
  { path: '/campaign-runs/:id', page: CampaignRunPage },
  { path: '/settings', page: SettingsPage, nav: { label: 'Settings', icon: 'settings' } },
  { path: '/tokens', page: TokensPage, section: 'Account' },
  {
    path: '/admin/users',
    page: UsersPage,
    nav: { label: 'Users', icon: 'users', group: 'admin' },
    role: 'admin',
    purpose: ADMIN('Managing users'),
  },
  {
    path: '/admin/hosts',
    page: HostsAdminPage,
    nav: { label: 'Hosts', icon: 'server', group: 'admin', badge: 'pending-hosts' },
    role: 'admin',
    purpose: ADMIN('Approving hosts'),
  },
  {
    path: '/admin/audit',
    page: AuditPage,
    nav: { label: 'Audit log', icon: 'report', group: 'admin' },
    role: 'admin',
    purpose: ADMIN('Reading the audit log'),
  },
];

export interface NavItem {
  path: string;
  label: string;
  icon: string;
  also: string[];
  badge?: NavBadge;
  group?: NavGroup;
  role?: Role;
}

export const navItems: NavItem[] = routes.flatMap((route) =>
  route.nav
    ? [
        {
          path: route.path,
          label: route.nav.label,
          icon: route.nav.icon,
          also: route.nav.also ?? [],
          badge: route.nav.badge,
          group: route.nav.group,
          role: route.role,
        },
      ]
    : [],
);
