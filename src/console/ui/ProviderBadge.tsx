import type { Provider } from '../gql/graphql';

/** "OpenAI" beside a run or version trained there; nothing for our own GPU pool, the default. */
export function ProviderBadge({ provider }: { provider: Provider }) {
  if (provider === 'LOCAL') return null;
  return <span className="badge badge-provider" title="Trained and served by OpenAI with the tenant's key">OpenAI</span>;
}
