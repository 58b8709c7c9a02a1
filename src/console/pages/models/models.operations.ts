import { graphql } from '../../gql';

export const ModelsDocument = graphql(`
  query Models($first: Int!, $after: String) {
    models(first: $first, after: $after) {
      nodes {
        id name task createdAt
        aliases { name version { id version } }
        latestVersion { id version createdAt }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const ModelDocument = graphql(`
  query Model($id: ID!) {
    node(id: $id) {
      id
      ... on Model {
        name task createdAt
        aliases { name updatedAt version { id version } }
        versions(first: 50) {
          nodes {
            id version createdAt aliases datasetSha256 provider providerModel artifactBytes
            parent { id version model { id name } }
            createdBy { email }
            run { id }
            evaluation { split metrics baseline }
          }
        }
      }
    }
  }
`);

export const SetModelAliasDocument = graphql(`
  mutation SetModelAlias($modelId: ID!, $alias: String!, $versionId: ID!) {
    setModelAlias(modelId: $modelId, alias: $alias, versionId: $versionId) {
      alias { name updatedAt version { id version } }
      previousVersion { id version }
      userErrors { field message code }
    }
  }
`);

export const RecommendDocument = graphql(`
  query PlaygroundRecommend($model: ModelRef!, $userId: String!, $limit: Int!) {
    recommend(model: $model, userId: $userId, limit: $limit) {
      modelVersion { id version }
      coldStart
      items { itemId score }
    }
  }
`);

export const TranslateDocument = graphql(`
  query PlaygroundTranslate($model: ModelRef!, $texts: [String!]!) {
    translate(model: $model, texts: $texts) { modelVersion { id version } translations truncated }
  }
`);

export const SummarizeDocument = graphql(`
  query PlaygroundSummarize($model: ModelRef!, $texts: [String!]!) {
    summarize(model: $model, texts: $texts) { modelVersion { id version } summaries truncated }
  }
`);

export const ClassifyDocument = graphql(`
  query PlaygroundClassify($model: ModelRef!, $texts: [String!]!) {
    classify(model: $model, texts: $texts) {
      modelVersion { id version }
      predictions { label score scores { label score } truncated }
    }
  }
`);
