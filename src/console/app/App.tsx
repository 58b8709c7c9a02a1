import { useEffect, useMemo } from 'react';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { Provider } from 'urql';
import { createApiClient } from '../api/client';
import { useSession } from '../api/session';
import { LogInPage, SignUpPage } from '../pages/auth/AuthPages';
import { InvitationPage } from '../pages/auth/InvitationPage';
import { Layout } from './Layout';
import { NotFound } from './NotFound';

/** Pages past sign-in are split into their own chunks; the sign-in pages and layout load first. */
const router = createBrowserRouter(
  [
    { path: '/login', element: <LogInPage /> },
    { path: '/signup', element: <SignUpPage /> },
    { path: '/invitation', element: <InvitationPage /> },
    {
      path: '/',
      element: <Layout />,
      children: [
        { index: true, element: <Navigate to="/datasets" replace /> },
        { path: 'datasets', lazy: async () => ({ Component: (await import('../pages/datasets/DatasetsPage')).DatasetsPage }) },
        { path: 'datasets/:id', lazy: async () => ({ Component: (await import('../pages/datasets/DatasetPage')).DatasetPage }) },
        { path: 'runs', lazy: async () => ({ Component: (await import('../pages/runs/RunsPage')).RunsPage }) },
        { path: 'runs/new', lazy: async () => ({ Component: (await import('../pages/runs/LaunchRunPage')).LaunchRunPage }) },
        { path: 'runs/:id', lazy: async () => ({ Component: (await import('../pages/runs/RunPage')).RunPage }) },
        { path: 'models', lazy: async () => ({ Component: (await import('../pages/models/ModelsPage')).ModelsPage }) },
        { path: 'models/:id', lazy: async () => ({ Component: (await import('../pages/models/ModelPage')).ModelPage }) },
        { path: 'keys', lazy: async () => ({ Component: (await import('../pages/keys/ApiKeysPage')).ApiKeysPage }) },
        { path: 'members', lazy: async () => ({ Component: (await import('../pages/members/MembersPage')).MembersPage }) },
        { path: 'usage', lazy: async () => ({ Component: (await import('../pages/usage/UsagePage')).UsagePage }) },
        { path: 'settings', element: <Navigate to="/settings/openai" replace /> },
        { path: 'settings/openai', lazy: async () => ({ Component: (await import('../pages/settings/OpenAiSettingsPage')).OpenAiSettingsPage }) },
        { path: '*', element: <NotFound /> },
      ],
    },
  ],
  { basename: '/console' },
);

/** One GraphQL client per user and tenant: switching tenant starts from an empty cache. */
export function App() {
  const session = useSession();
  const key = session ? `${session.email}\n${session.tenantId ?? ''}` : '';
  // `key` is the dependency on purpose: a new client exactly when the user or tenant changes.
  const api = useMemo(() => createApiClient(), [key]);
  useEffect(() => api.dispose, [api]);
  return (
    <Provider value={api.client}>
      <RouterProvider router={router} />
    </Provider>
  );
}
