import { graphql } from '../../gql';

export const RunsDocument = graphql(`
  query Runs($first: Int!, $after: String, $filter: RunFilterInput) {
    runs(first: $first, after: $after, filter: $filter) {
      nodes {
        id modelName task status provider attempt gpuSeconds createdAt finishedAt
        progress { epoch totalEpochs etaSeconds }
        dataset { id name }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

/** What the launch form needs: READY datasets and earlier versions of the task, and its presets. */
export const LaunchOptionsDocument = graphql(`
  query LaunchOptions($task: Task!) {
    datasets(first: 100, filter: { status: READY, task: $task }) {
      nodes { id name rowCount }
    }
    baseModels(task: $task) { name description defaultHyperparameters }
    runs(first: 100, filter: { status: SUCCEEDED, task: $task }) {
      nodes { id modelName modelVersion { id version } }
    }
  }
`);

export const LaunchRunDocument = graphql(`
  mutation LaunchRun($input: LaunchRunInput!) {
    launchRun(input: $input) {
      run { id status }
      userErrors { field message code }
    }
  }
`);

export const RunFieldsFragment = graphql(`
  fragment RunLive on TrainingRun {
    id status attempt maxAttempts gpuSeconds gpus backend providerJobId startedAt finishedAt
    progress { epoch totalEpochs step totalSteps etaSeconds }
    evaluation { split metrics baseline }
    modelVersion { id version }
    error { code message }
  }
`);

export const RunDocument = graphql(`
  query Run($id: ID!) {
    run(id: $id) {
      ...RunLive
      modelName task provider baseModel hyperparameters createdAt
      dataset { id name }
      metrics(maxPoints: 500) { name split points { step epoch value } }
    }
  }
`);

export const RunEventsDocument = graphql(`
  query RunEvents($id: ID!, $after: String) {
    run(id: $id) {
      id
      events(first: 50, after: $after) { nodes { id at level message data } endCursor hasNextPage }
    }
  }
`);

export const RunUpdatedDocument = graphql(`
  subscription RunUpdated($id: ID!) {
    runUpdated(id: $id) { ...RunLive }
  }
`);

export const RunMetricLoggedDocument = graphql(`
  subscription RunMetricLogged($runId: ID!) {
    runMetricLogged(runId: $runId) { name split step epoch value }
  }
`);

export const CancelRunDocument = graphql(`
  mutation CancelRun($id: ID!) {
    cancelRun(id: $id) {
      run { ...RunLive }
      userErrors { field message code }
    }
  }
`);
