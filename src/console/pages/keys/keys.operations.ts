import { graphql } from '../../gql';

export const ApiKeysDocument = graphql(`
  query ApiKeys($first: Int!, $after: String) {
    viewer {
      scopes
      tenant {
        id
        apiKeys(first: $first, after: $after) {
          nodes { id name prefix scopes createdAt lastUsedAt revokedAt createdBy { email } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`);

export const CreateApiKeyDocument = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      apiKey { id name prefix scopes createdAt }
      secret
      userErrors { field message code }
    }
  }
`);

export const RevokeApiKeyDocument = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      apiKey { id revokedAt }
      userErrors { field message code }
    }
  }
`);
