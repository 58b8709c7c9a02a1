import { useEffect } from 'react';

/** Calls `refresh` every `ms` while `active` (and the tab is visible): for states the API has no subscription for. */
export function usePolling(active: boolean, refresh: () => void, ms = 2000): void {
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') refresh();
    }, ms);
    return () => clearInterval(timer);
  }, [active, refresh, ms]);
}
