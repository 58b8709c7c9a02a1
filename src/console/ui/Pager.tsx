import { useCallback, useState } from 'react';

/** Page-by-page through a Relay connection: a stack of `after` cursors. */
export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const next = useCallback((endCursor: string | null | undefined) => endCursor && setCursors((c) => [...c, endCursor]), []);
  const previous = useCallback(() => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)), []);
  const reset = useCallback(() => setCursors([null]), []);
  return { after, page: cursors.length, next, previous, reset };
}

export function Pager({
  pages,
  pageInfo,
}: {
  pages: ReturnType<typeof useCursorPages>;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}) {
  if (pages.page === 1 && !pageInfo.hasNextPage) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="button" disabled={pages.page === 1} onClick={pages.previous}>Previous</button>
      <span>Page {pages.page}</span>
      <button type="button" className="button" disabled={!pageInfo.hasNextPage} onClick={() => pages.next(pageInfo.endCursor)}>Next</button>
    </nav>
  );
}
