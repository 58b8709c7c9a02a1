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
      files { split status rowCount receivedAt }
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
