import { graphql } from '../../gql';

/** Whose key OpenAI calls use; never the key itself. */
export const OpenAiSettingsDocument = graphql(`
  query OpenAiSettings {
    openAiSettings { apiKeySource apiKeyLast4 apiKeyUpdatedAt }
  }
`);

/** Sets the tenant's key, or with `apiKey: null` removes it (admins only). */
export const SetOpenAiApiKeyDocument = graphql(`
  mutation SetOpenAiApiKey($input: SetOpenAiApiKeyInput!) {
    setOpenAiApiKey(input: $input) {
      settings { apiKeySource apiKeyLast4 apiKeyUpdatedAt }
      userErrors { field message code }
    }
  }
`);
