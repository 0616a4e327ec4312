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

export interface PageProps {
  params: RouteParams;
}

export interface AppRoute {
  path: string;
  page: ComponentType<PageProps>;
  nav?: { label: string; icon: string };
}

export const routes: AppRoute[] = [
  { path: '/', page: DashboardPage, nav: { label: 'Dashboard', icon: 'dashboard' } },
  { path: '/devices', page: DevicesPage, nav: { label: 'Devices', icon: 'devices' } },
  { path: '/devices/:host/:id', page: DeviceViewPage },
  { path: '/references', page: ReferencesPage, nav: { label: 'References', icon: 'reference' } },
  { path: '/navigation', page: NavigationPage, nav: { label: 'Navigation', icon: 'tree' } },
  { path: '/navigation/:ui', page: NavigationPage },
  { path: '/settings', page: SettingsPage, nav: { label: 'Settings', icon: 'settings' } },
];

export interface NavItem {
  path: string;
  label: string;
  icon: string;
}

export const navItems: NavItem[] = routes.flatMap((route) =>
  route.nav ? [{ path: route.path, label: route.nav.label, icon: route.nav.icon }] : [],
);
