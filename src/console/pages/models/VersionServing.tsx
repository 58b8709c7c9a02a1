import type { Provider } from '../../gql/graphql';
import { formatBytes } from '../../ui/format';
import { ProviderBadge } from '../../ui/ProviderBadge';

/** Where a version lives: our packed artifact (its size), or a fine-tuned OpenAI model (its id, which OpenAI bills and serves). */
export function VersionServing({ version }: { version: { provider: Provider; providerModel?: string | null; artifactBytes?: number | null } }) {
  if (version.provider === 'OPENAI') {
    return (
      <>
        <ProviderBadge provider="OPENAI" />{' '}
        {version.providerModel ? <code className="hash" title="The fine-tuned model's id at OpenAI">{version.providerModel}</code> : <span className="hint">no model id</span>}
      </>
    );
  }
  return <span title="Size of the packed artifact">{formatBytes(version.artifactBytes)}</span>;
}
