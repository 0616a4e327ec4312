// Every page of the app. A route with `nav` also gets a sidebar link, in this order.

import { lazy } from 'react';
import type { ComponentType } from 'react';
import type { RouteParams } from './lib/router';
import { DashboardPage } from './pages/DashboardPage';
import { DevicesPage } from './pages/DevicesPage';
import { DeviceViewPage } from './pages/DeviceViewPage';
import { ReferencesPage } from './pages/ReferencesPage';
import { SettingsPage } from './pages/SettingsPage';

// The graph editor brings React Flow along: loaded when the page is first opened.
const NavigationPage = lazy(() => import('./pages/NavigationPage').then((m) => ({ default: m.NavigationPage })));

// Tests, runs, campaigns and schedules: loaded when one of their pages is first opened.
const TestCasesPage = lazy(() => import('./pages/TestCasesPage').then((m) => ({ default: m.TestCasesPage })));
const TestCaseEditorPage = lazy(() => import('./pages/TestCaseEditorPage').then((m) => ({ default: m.TestCaseEditorPage })));
const CampaignsPage = lazy(() => import('./pages/CampaignsPage').then((m) => ({ default: m.CampaignsPage })));
const CampaignEditorPage = lazy(() => import('./pages/CampaignEditorPage').then((m) => ({ default: m.CampaignEditorPage })));
const CampaignRunPage = lazy(() => import('./pages/CampaignRunPage').then((m) => ({ default: m.CampaignRunPage })));
const SchedulesPage = lazy(() => import('./pages/SchedulesPage').then((m) => ({ default: m.SchedulesPage })));
const ScheduleEditorPage = lazy(() => import('./pages/ScheduleEditorPage').then((m) => ({ default: m.ScheduleEditorPage })));
const RunsPage = lazy(() => import('./pages/RunsPage').then((m) => ({ default: m.RunsPage })));
const RunPage = lazy(() => import('./pages/RunPage').then((m) => ({ default: m.RunPage })));

export interface PageProps {
  params: RouteParams;
}

export interface AppRoute {
  path: string;
  page: ComponentType<PageProps>;
  /** `also`: other path prefixes the sidebar link stands for (e.g. `/campaign-runs` under Runs). */
  nav?: { label: string; icon: string; also?: string[] };
}

export const routes: AppRoute[] = [
  { path: '/', page: DashboardPage, nav: { label: 'Dashboard', icon: 'dashboard' } },
  { path: '/devices', page: DevicesPage, nav: { label: 'Devices', icon: 'devices' } },
  { path: '/devices/:host/:id', page: DeviceViewPage },
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
}

export const navItems: NavItem[] = routes.flatMap((route) =>
  route.nav ? [{ path: route.path, label: route.nav.label, icon: route.nav.icon, also: route.nav.also ?? [] }] : [],
);
