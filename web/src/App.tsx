import { Suspense } from 'react';
import { OfflineBanner } from './components/OfflineBanner';
import { Sidebar } from './components/Sidebar';
import { Skeleton } from './components/States';
import { TopBar } from './components/TopBar';
import { isUnder, matchPath, usePathname } from './lib/router';
import { NotFoundPage } from './pages/NotFoundPage';
import { navItems, routes } from './routes';

function sectionFor(pathname: string): string {
  // Longest matching nav path wins, so "/devices/x/y" is under "Devices" and not "Dashboard".
  const match = navItems
    .filter((item) => isUnder(item.path, pathname) || item.also.some((p) => isUnder(p, pathname)))
    .sort((a, b) => b.path.length - a.path.length)[0];
  return match?.label ?? '';
}

export function App() {
  const pathname = usePathname();
  let content = <NotFoundPage />;
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (params) {
      const Page = route.page;
      // Keyed by path so a page's state (streams, locks) resets when its parameters change.
      content = <Page key={pathname} params={params} />;
      break;
    }
  }
  return (
    <div className="app">
      <Sidebar />
      <div className="app-main">
        <TopBar section={sectionFor(pathname)} />
        <main className="page">
          <OfflineBanner />
          <Suspense fallback={<Skeleton height={480} />}>{content}</Suspense>
        </main>
      </div>
    </div>
  );
}
