import { useEffect } from 'react';
import { setNavigationGuard } from '../lib/router';

/**
 * While `dirty`, marks the tab's title, and asks before the tab closes and before the app moves
 * to another page.
 */
export function useUnsavedGuard(dirty: boolean, question: string): void {
  useEffect(() => {
    if (!dirty) return;
    const title = document.title;
    document.title = `● ${title}`;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = question;
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    const removeGuard = setNavigationGuard(() => window.confirm(question));
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      removeGuard();
      document.title = title;
    };
  }, [dirty, question]);
}
