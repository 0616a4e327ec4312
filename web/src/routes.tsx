// Every page of the app. A route with `nav` also gets a sidebar link, in this order.

import { lazy } from 'react';
import type { ComponentType } from 'react';
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

export type NavBadge = 'active-incidents';

export interface PageProps {
  params: RouteParams;
}

export interface AppRoute {
  path: string;
  page: ComponentType<PageProps>;
  /**
   * `also`: other path prefixes the sidebar link stands for (e.g. `/campaign-runs` under Runs);
   * `badge`: a live count shown next to the label.
   */
  nav?: { label: string; icon: string; also?: string[]; badge?: NavBadge };
}

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
  { path: '/tests', page: TestCasesPage, nav: { label: 'Tests', icon: 'tests' } },
  { path: '/tests/new', page: TestCaseEditorPage },
  { path: '/tests/campaigns', page: CampaignsPage },
  { path: '/tests/campaigns/new', page: CampaignEditorPage },
  { path: '/tests/campaigns/:id', page: CampaignEditorPage },
  { path: '/tests/schedules', page: SchedulesPage },
  { path: '/tests/schedules/new', page: ScheduleEditorPage },
  { path: '/tests/schedules/:id', page: ScheduleEditorPage },
  { path: '/tests/:id', page: TestCaseEditorPage },
  { path: '/runs', page: RunsPage, nav: { label: 'Runs', icon: 'runs', also: ['/campaign-runs'] } },
  { path: '/runs/:id', page: RunPage },
  { path: '/campaign-runs/:id', page: CampaignRunPage },
  { path: '/settings', page: SettingsPage, nav: { label: 'Settings', icon: 'settings' } },
];

export interface NavItem {
  path: string;
  label: string;
  icon: string;
  also: string[];
  badge?: NavBadge;
}

export const navItems: NavItem[] = routes.flatMap((route) =>
    route.nav
    ? [{ path: route.path, label: route.nav.label, icon: route.nav.icon, also: route.nav.also ?? [], badge: route.nav.badge }]
    : [],
);
