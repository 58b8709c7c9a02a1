import type { ReactNode } from 'react';

/** A message announced to screen readers: errors interrupt, notices wait their turn. */
export function Alert({ tone = 'error', children }: { tone?: 'error' | 'notice' | 'success'; children: ReactNode }) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
