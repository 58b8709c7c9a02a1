import { graphql } from '../../gql';

export const DatasetsDocument = graphql(`
  query Datasets($first: Int!, $after: String, $filter: DatasetFilter) {
    datasets(first: $first, after: $after, filter: $filter) {
      nodes { id name task format status rowCount byteSize errorCount createdAt }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const DatasetDocument = graphql(`
  query Dataset($id: ID!) {
    dataset(id: $id) {
      id name task format status rowCount byteSize sha256 createdAt readyAt
      stats
      splits { train validation test }
      files { split status rowCount byteSize receivedAt expiresAt }
      columnMapping
      options
      errorCount
      errors { line field message code }
      failureReason
      preview(limit: 10)
    }
  }
`);

export const CreateDatasetUploadDocument = graphql(`
  mutation CreateDatasetUpload($input: CreateDatasetUploadInput!) {
    createDatasetUpload(input: $input) {
      upload { id url method headers expiresAt maxBytes }
      uploads { id split url method headers expiresAt maxBytes }
      dataset { id status }
      userErrors { field message code }
    }
  }
`);

export const DeleteDatasetDocument = graphql(`
  mutation DeleteDataset($id: ID!) {
    deleteDataset(id: $id) {
      deletedDatasetId
      userErrors { field message code }
    }
  }
`);

export const BaselineRowFragment = graphql(`
  fragment BaselineRow on Baseline {
    id model shots sampleSize status rowsEvaluated createdAt
    evaluation { split metrics baseline }
    error { code message }
  }
`);

/** A dataset's baselines and every contender on it, ranked on one test metric. */
export const BaselinesDocument = graphql(`
  query Baselines($datasetId: ID!, $metric: String!) {
    baselines(datasetId: $datasetId) { ...BaselineRow }
    compareOnDataset(datasetId: $datasetId, metric: $metric) {
      metric
      contenders { kind label value rank sameRows modelVersion { id version model { id } } baseline { id } }
    }
  }
`);

export const EvaluateBaselineDocument = graphql(`
  mutation EvaluateBaseline($input: EvaluateBaselineInput!) {
    evaluateBaseline(input: $input) {
      baseline { ...BaselineRow }
      userErrors { field message code }
    }
  }
`);
