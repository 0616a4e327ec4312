import { Suspense } from 'react';
import { AuthOffBanner } from './components/AuthOffBanner';
import { OfflineBanner } from './components/OfflineBanner';
import { RequireRole } from './components/RoleGate';
import { Sidebar } from './components/Sidebar';
import { Skeleton } from './components/States';
import { TopBar } from './components/TopBar';
import { isUnder, matchPath, usePathname } from './lib/router';
import { NotFoundPage } from './pages/NotFoundPage';
import { navItems, routes } from './routes';
import type { AppRoute } from './routes';

function sectionFor(pathname: string, route: AppRoute | null): string {
  // Longest matching nav path wins, so "/devices/x/y" is under "Devices" and not "Dashboard".
  const match = navItems
    .filter((item) => isUnder(item.path, pathname) || item.also.some((p) => isUnder(p, pathname)))
    .sort((a, b) => b.path.length - a.path.length)[0];
  return match?.label ?? route?.section ?? '';
}

export function App() {
  const pathname = usePathname();
  let content = <NotFoundPage />;
  let matched: AppRoute | null = null;
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (params) {
      const Page = route.page;
      matched = route;
      // Keyed by path so a page's state (streams, locks) resets when its parameters change.
      content = <Page key={pathname} params={params} />;
      if (route.role) {
        content = (
          <RequireRole role={route.role} what={route.purpose ?? ''}>
            {content}
          </RequireRole>
        );
      }
      break;
    }
  }
  return (
    <div className="app">
      <Sidebar />
      <div className="app-main">
        <div className="app-top">
          <AuthOffBanner />
          <TopBar section={sectionFor(pathname, matched)} />
        </div>
        <main className="page">
          <OfflineBanner />
          <Suspense fallback={<Skeleton height={480} />}>{content}</Suspense>
        </main>
      </div>
    </div>
  );
}
