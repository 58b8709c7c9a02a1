import type { OpenAiSettingsQuery } from '../../gql/graphql';

export type OpenAiSettings = OpenAiSettingsQuery['openAiSettings'];

/** Whose key OpenAI calls use, in a few words, and what that means. */
export function describeKeySource(settings: OpenAiSettings): { title: string; detail: string } {
  switch (settings.apiKeySource) {
    case 'TENANT':
      return {
        title: `This tenant's own key${settings.apiKeyLast4 ? `, ending in …${settings.apiKeyLast4}` : ''}`,
        detail: 'Baselines and OpenAI runs use it; OpenAI bills this key\'s account.',
      };
    case 'PLATFORM':
      return {
        title: 'The platform\'s key',
        detail: 'This tenant has no key of its own, so OpenAI calls use the one the platform provides.',
      };
    default:
      return {
        title: 'No key',
        detail: 'OpenAI calls (baselines and OpenAI runs) are refused until a key is set.',
      };
  }
}
