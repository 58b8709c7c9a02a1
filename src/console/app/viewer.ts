import { createContext, useContext } from 'react';
import type { ViewerQuery } from '../gql/graphql';

export type Viewer = ViewerQuery['viewer'];

export const ViewerContext = createContext<Viewer | null>(null);

/** The signed-in viewer (only inside the signed-in layout). */
export function useViewer(): Viewer {
  const viewer = useContext(ViewerContext);
  if (!viewer) throw new Error('useViewer outside the signed-in layout');
  return viewer;
}

export function hasScope(viewer: Viewer, scope: string): boolean {
  return viewer.scopes.includes(scope) || viewer.scopes.includes('admin');
}
