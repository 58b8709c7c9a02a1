import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { authExchange } from '@urql/exchange-auth';
import { createClient as createWsClient } from 'graphql-ws';
import { refreshSession } from './auth';
import { expiresSoon, getSession } from './session';

function headersFor(session: { token: string; tenantId: string | null }): Record<string, string> {
  return { authorization: `Bearer ${session.token}`, ...(session.tenantId ? { 'x-tenant-id': session.tenantId } : {}) };
}

/** A session whose token is good for a while yet (refreshed first if needed). */
async function freshSession() {
  const session = getSession();
  return session && expiresSoon(session) ? refreshSession() : session;
}

/**
 * The console's GraphQL client: HTTP for queries and mutations, graphql-ws on the same /graphql
 * path for subscriptions. One client per signed-in tenant (App makes a new one on a switch), so
 * no cached answer of one tenant is ever shown in another.
 */
export function createApiClient(): { client: Client; dispose: () => void } {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const ws = createWsClient({
    url: wsUrl,
    // Connect only while a page subscribes, so each connection starts with the current token.
    lazy: true,
    retryAttempts: 5,
    connectionParams: async () => {
      const session = await freshSession();
      return session ? headersFor(session) : {};
    },
  });

  const client = new Client({
    url: '/graphql',
    preferGetMethod: false, // Apollo's CSRF guard refuses GET without a preflight header
    exchanges: [
      cacheExchange,
      authExchange(async (utils) => ({
        addAuthToOperation(operation) {
          const session = getSession();
          return session ? utils.appendHeaders(operation, headersFor(session)) : operation;
        },
        willAuthError() {
          const session = getSession();
          return session !== null && expiresSoon(session);
        },
        didAuthError(error) {
          return error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
        },
        async refreshAuth() {
          await refreshSession();
        },
      })),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return { subscribe: (sink) => ({ unsubscribe: ws.subscribe(input, sink) }) };
        },
      }),
    ],
  });
  return { client, dispose: () => void ws.dispose() };
}
