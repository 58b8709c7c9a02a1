/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user { id email }\n      tenant { id name }\n      userErrors { field message code }\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user { id email }\n      tenant { id name }\n      userErrors { field message code }\n    }\n  }\n": typeof types.LogInDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      token\n      refreshToken\n      expiresAt\n      userErrors { field message code }\n    }\n  }\n": typeof types.RefreshSessionDocument,
    "\n  mutation LogOut($refreshToken: String!) {\n    logOut(refreshToken: $refreshToken) { userErrors { field message code } }\n  }\n": typeof types.LogOutDocument,
    "\n  query Viewer {\n    viewer {\n      user { id email }\n      role\n      scopes\n      tenant { id name plan }\n      tenants { id name }\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  mutation AcceptInvitation($token: String!) {\n    acceptInvitation(token: $token) {\n      tenant { id name }\n      userErrors { field message code }\n    }\n  }\n": typeof types.AcceptInvitationDocument,
    "\n  query Datasets($first: Int!, $after: String, $filter: DatasetFilter) {\n    datasets(first: $first, after: $after, filter: $filter) {\n      nodes { id name task format status rowCount byteSize errorCount createdAt }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.DatasetsDocument,
    "\n  query Dataset($id: ID!) {\n    dataset(id: $id) {\n      id name task format status rowCount byteSize sha256 createdAt readyAt\n      stats\n      splits { train validation test }\n      files { split status rowCount byteSize receivedAt expiresAt }\n      columnMapping\n      options\n      errorCount\n      errors { line field message code }\n      failureReason\n      preview(limit: 10)\n    }\n  }\n": typeof types.DatasetDocument,
    "\n  mutation CreateDatasetUpload($input: CreateDatasetUploadInput!) {\n    createDatasetUpload(input: $input) {\n      upload { id url method headers expiresAt maxBytes }\n      uploads { id split url method headers expiresAt maxBytes }\n      dataset { id status }\n      userErrors { field message code }\n    }\n  }\n": typeof types.CreateDatasetUploadDocument,
    "\n  mutation DeleteDataset($id: ID!) {\n    deleteDataset(id: $id) {\n      deletedDatasetId\n      userErrors { field message code }\n    }\n  }\n": typeof types.DeleteDatasetDocument,
    "\n  fragment BaselineRow on Baseline {\n    id model shots sampleSize status rowsEvaluated createdAt\n    evaluation { split metrics baseline }\n    error { code message }\n  }\n": typeof types.BaselineRowFragmentDoc,
    "\n  query Baselines($datasetId: ID!, $metric: String!) {\n    baselines(datasetId: $datasetId) { ...BaselineRow }\n    compareOnDataset(datasetId: $datasetId, metric: $metric) {\n      metric\n      contenders { kind label value rank sameRows modelVersion { id version model { id } } baseline { id } }\n    }\n  }\n": typeof types.BaselinesDocument,
    "\n  mutation EvaluateBaseline($input: EvaluateBaselineInput!) {\n    evaluateBaseline(input: $input) {\n      baseline { ...BaselineRow }\n      userErrors { field message code }\n    }\n  }\n": typeof types.EvaluateBaselineDocument,
    "\n  query ApiKeys($first: Int!, $after: String) {\n    viewer {\n      scopes\n      tenant {\n        id\n        apiKeys(first: $first, after: $after) {\n          nodes { id name prefix scopes createdAt lastUsedAt revokedAt createdBy { email } }\n          pageInfo { hasNextPage endCursor }\n        }\n      }\n    }\n  }\n": typeof types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      apiKey { id name prefix scopes createdAt }\n      secret\n      userErrors { field message code }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      apiKey { id revokedAt }\n      userErrors { field message code }\n    }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  query Members {\n    viewer {\n      role\n      user { id }\n      tenant {\n        id\n        members(first: 100) { nodes { id role createdAt user { id email } } }\n        invitations(first: 100) { nodes { id email role createdAt expiresAt acceptedAt } }\n      }\n    }\n  }\n": typeof types.MembersDocument,
    "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      invitation { id email role expiresAt }\n      token\n      userErrors { field message code }\n    }\n  }\n": typeof types.InviteMemberDocument,
    "\n  mutation UpdateMemberRole($input: UpdateMemberRoleInput!) {\n    updateMemberRole(input: $input) {\n      membership { id role }\n      userErrors { field message code }\n    }\n  }\n": typeof types.UpdateMemberRoleDocument,
    "\n  mutation RemoveMember($id: ID!) {\n    removeMember(id: $id) {\n      membership { id }\n      userErrors { field message code }\n    }\n  }\n": typeof types.RemoveMemberDocument,
    "\n  query Models($first: Int!, $after: String) {\n    models(first: $first, after: $after) {\n      nodes {\n        id name task createdAt\n        aliases { name version { id version } }\n        latestVersion { id version createdAt }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.ModelsDocument,
    "\n  query Model($id: ID!) {\n    node(id: $id) {\n      id\n      ... on Model {\n        name task createdAt\n        aliases { name updatedAt version { id version } }\n        versions(first: 50) {\n          nodes {\n            id version createdAt aliases datasetSha256 provider providerModel artifactBytes\n            parent { id version model { id name } }\n            createdBy { email }\n            run { id }\n            evaluation { split metrics baseline }\n          }\n        }\n      }\n    }\n  }\n": typeof types.ModelDocument,
    "\n  mutation SetModelAlias($modelId: ID!, $alias: String!, $versionId: ID!) {\n    setModelAlias(modelId: $modelId, alias: $alias, versionId: $versionId) {\n      alias { name updatedAt version { id version } }\n      previousVersion { id version }\n      userErrors { field message code }\n    }\n  }\n": typeof types.SetModelAliasDocument,
    "\n  query PlaygroundRecommend($model: ModelRef!, $userId: String!, $limit: Int!) {\n    recommend(model: $model, userId: $userId, limit: $limit) {\n      modelVersion { id version }\n      coldStart\n      items { itemId score }\n    }\n  }\n": typeof types.PlaygroundRecommendDocument,
    "\n  query PlaygroundTranslate($model: ModelRef!, $texts: [String!]!) {\n    translate(model: $model, texts: $texts) { modelVersion { id version } translations truncated }\n  }\n": typeof types.PlaygroundTranslateDocument,
    "\n  query PlaygroundSummarize($model: ModelRef!, $texts: [String!]!) {\n    summarize(model: $model, texts: $texts) { modelVersion { id version } summaries truncated }\n  }\n": typeof types.PlaygroundSummarizeDocument,
    "\n  query PlaygroundClassify($model: ModelRef!, $texts: [String!]!) {\n    classify(model: $model, texts: $texts) {\n      modelVersion { id version }\n      predictions { label score scores { label score } truncated }\n    }\n  }\n": typeof types.PlaygroundClassifyDocument,
    "\n  query Runs($first: Int!, $after: String, $filter: RunFilterInput) {\n    runs(first: $first, after: $after, filter: $filter) {\n      nodes {\n        id modelName task status provider attempt gpuSeconds createdAt finishedAt\n        progress { epoch totalEpochs etaSeconds }\n        dataset { id name }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.RunsDocument,
    "\n  query LaunchOptions($task: Task!) {\n    datasets(first: 100, filter: { status: READY, task: $task }) {\n      nodes { id name rowCount }\n    }\n    baseModels(task: $task) { name description defaultHyperparameters }\n    runs(first: 100, filter: { status: SUCCEEDED, task: $task }) {\n      nodes { id modelName modelVersion { id version } }\n    }\n  }\n": typeof types.LaunchOptionsDocument,
    "\n  mutation LaunchRun($input: LaunchRunInput!) {\n    launchRun(input: $input) {\n      run { id status }\n      userErrors { field message code }\n    }\n  }\n": typeof types.LaunchRunDocument,
    "\n  fragment RunLive on TrainingRun {\n    id status attempt maxAttempts gpuSeconds gpus backend providerJobId startedAt finishedAt\n    progress { epoch totalEpochs step totalSteps etaSeconds }\n    evaluation { split metrics baseline }\n    modelVersion { id version }\n    error { code message }\n  }\n": typeof types.RunLiveFragmentDoc,
    "\n  query Run($id: ID!) {\n    run(id: $id) {\n      ...RunLive\n      modelName task provider baseModel hyperparameters createdAt\n      dataset { id name }\n      metrics(maxPoints: 500) { name split points { step epoch value } }\n    }\n  }\n": typeof types.RunDocument,
    "\n  query RunEvents($id: ID!, $after: String) {\n    run(id: $id) {\n      id\n      events(first: 50, after: $after) { nodes { id at level message data } endCursor hasNextPage }\n    }\n  }\n": typeof types.RunEventsDocument,
    "\n  subscription RunUpdated($id: ID!) {\n    runUpdated(id: $id) { ...RunLive }\n  }\n": typeof types.RunUpdatedDocument,
    "\n  subscription RunMetricLogged($runId: ID!) {\n    runMetricLogged(runId: $runId) { name split step epoch value }\n  }\n": typeof types.RunMetricLoggedDocument,
    "\n  mutation CancelRun($id: ID!) {\n    cancelRun(id: $id) {\n      run { ...RunLive }\n      userErrors { field message code }\n    }\n  }\n": typeof types.CancelRunDocument,
    "\n  query OpenAiSettings {\n    openAiSettings { apiKeySource apiKeyLast4 apiKeyUpdatedAt }\n  }\n": typeof types.OpenAiSettingsDocument,
    "\n  mutation SetOpenAiApiKey($input: SetOpenAiApiKeyInput!) {\n    setOpenAiApiKey(input: $input) {\n      settings { apiKeySource apiKeyLast4 apiKeyUpdatedAt }\n      userErrors { field message code }\n    }\n  }\n": typeof types.SetOpenAiApiKeyDocument,
    "\n  query BillingUsage {\n    billing {\n      plan { name title limits { maxConcurrentRuns gpuHoursPerPeriod datasetBytes inferenceRequestsPerMinute } }\n      subscriptionStatus pastDueSince paymentRequired\n      periodStart periodEnd gpuHoursThisPeriod stripeConnected\n    }\n    plans { name title purchasable monthlyAmount }\n    usage {\n      from to gpuSeconds trainingHours inferenceRequests\n      byRun { runId run { id modelName status } gpuSeconds trainingHours }\n      byDay { day gpuSeconds trainingHours inferenceRequests }\n    }\n    invoicePreview { currency subtotal total amountDue periodStart periodEnd lines { description quantity amount } }\n  }\n": typeof types.BillingUsageDocument,
    "\n  mutation CreateCheckoutSession($plan: String!, $successUrl: String, $cancelUrl: String) {\n    createCheckoutSession(plan: $plan, successUrl: $successUrl, cancelUrl: $cancelUrl) { url userErrors { field message code } }\n  }\n": typeof types.CreateCheckoutSessionDocument,
    "\n  mutation CreateBillingPortalSession($returnUrl: String!) {\n    createBillingPortalSession(returnUrl: $returnUrl) { url userErrors { field message code } }\n  }\n": typeof types.CreateBillingPortalSessionDocument,
};
const documents: Documents = {
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user { id email }\n      tenant { id name }\n      userErrors { field message code }\n    }\n  }\n": types.SignUpDocument,
    "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user { id email }\n      tenant { id name }\n      userErrors { field message code }\n    }\n  }\n": types.LogInDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      token\n      refreshToken\n      expiresAt\n      userErrors { field message code }\n    }\n  }\n": types.RefreshSessionDocument,
    "\n  mutation LogOut($refreshToken: String!) {\n    logOut(refreshToken: $refreshToken) { userErrors { field message code } }\n  }\n": types.LogOutDocument,
    "\n  query Viewer {\n    viewer {\n      user { id email }\n      role\n      scopes\n      tenant { id name plan }\n      tenants { id name }\n    }\n  }\n": types.ViewerDocument,
    "\n  mutation AcceptInvitation($token: String!) {\n    acceptInvitation(token: $token) {\n      tenant { id name }\n      userErrors { field message code }\n    }\n  }\n": types.AcceptInvitationDocument,
    "\n  query Datasets($first: Int!, $after: String, $filter: DatasetFilter) {\n    datasets(first: $first, after: $after, filter: $filter) {\n      nodes { id name task format status rowCount byteSize errorCount createdAt }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.DatasetsDocument,
    "\n  query Dataset($id: ID!) {\n    dataset(id: $id) {\n      id name task format status rowCount byteSize sha256 createdAt readyAt\n      stats\n      splits { train validation test }\n      files { split status rowCount byteSize receivedAt expiresAt }\n      columnMapping\n      options\n      errorCount\n      errors { line field message code }\n      failureReason\n      preview(limit: 10)\n    }\n  }\n": types.DatasetDocument,
    "\n  mutation CreateDatasetUpload($input: CreateDatasetUploadInput!) {\n    createDatasetUpload(input: $input) {\n      upload { id url method headers expiresAt maxBytes }\n      uploads { id split url method headers expiresAt maxBytes }\n      dataset { id status }\n      userErrors { field message code }\n    }\n  }\n": types.CreateDatasetUploadDocument,
    "\n  mutation DeleteDataset($id: ID!) {\n    deleteDataset(id: $id) {\n      deletedDatasetId\n      userErrors { field message code }\n    }\n  }\n": types.DeleteDatasetDocument,
    "\n  fragment BaselineRow on Baseline {\n    id model shots sampleSize status rowsEvaluated createdAt\n    evaluation { split metrics baseline }\n    error { code message }\n  }\n": types.BaselineRowFragmentDoc,
    "\n  query Baselines($datasetId: ID!, $metric: String!) {\n    baselines(datasetId: $datasetId) { ...BaselineRow }\n    compareOnDataset(datasetId: $datasetId, metric: $metric) {\n      metric\n      contenders { kind label value rank sameRows modelVersion { id version model { id } } baseline { id } }\n    }\n  }\n": types.BaselinesDocument,
    "\n  mutation EvaluateBaseline($input: EvaluateBaselineInput!) {\n    evaluateBaseline(input: $input) {\n      baseline { ...BaselineRow }\n      userErrors { field message code }\n    }\n  }\n": types.EvaluateBaselineDocument,
    "\n  query ApiKeys($first: Int!, $after: String) {\n    viewer {\n      scopes\n      tenant {\n        id\n        apiKeys(first: $first, after: $after) {\n          nodes { id name prefix scopes createdAt lastUsedAt revokedAt createdBy { email } }\n          pageInfo { hasNextPage endCursor }\n        }\n      }\n    }\n  }\n": types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      apiKey { id name prefix scopes createdAt }\n      secret\n      userErrors { field message code }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      apiKey { id revokedAt }\n      userErrors { field message code }\n    }\n  }\n": types.RevokeApiKeyDocument,
    "\n  query Members {\n    viewer {\n      role\n      user { id }\n      tenant {\n        id\n        members(first: 100) { nodes { id role createdAt user { id email } } }\n        invitations(first: 100) { nodes { id email role createdAt expiresAt acceptedAt } }\n      }\n    }\n  }\n": types.MembersDocument,
    "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      invitation { id email role expiresAt }\n      token\n      userErrors { field message code }\n    }\n  }\n": types.InviteMemberDocument,
    "\n  mutation UpdateMemberRole($input: UpdateMemberRoleInput!) {\n    updateMemberRole(input: $input) {\n      membership { id role }\n      userErrors { field message code }\n    }\n  }\n": types.UpdateMemberRoleDocument,
    "\n  mutation RemoveMember($id: ID!) {\n    removeMember(id: $id) {\n      membership { id }\n      userErrors { field message code }\n    }\n  }\n": types.RemoveMemberDocument,
    "\n  query Models($first: Int!, $after: String) {\n    models(first: $first, after: $after) {\n      nodes {\n        id name task createdAt\n        aliases { name version { id version } }\n        latestVersion { id version createdAt }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.ModelsDocument,
    "\n  query Model($id: ID!) {\n    node(id: $id) {\n      id\n      ... on Model {\n        name task createdAt\n        aliases { name updatedAt version { id version } }\n        versions(first: 50) {\n          nodes {\n            id version createdAt aliases datasetSha256 provider providerModel artifactBytes\n            parent { id version model { id name } }\n            createdBy { email }\n            run { id }\n            evaluation { split metrics baseline }\n          }\n        }\n      }\n    }\n  }\n": types.ModelDocument,
    "\n  mutation SetModelAlias($modelId: ID!, $alias: String!, $versionId: ID!) {\n    setModelAlias(modelId: $modelId, alias: $alias, versionId: $versionId) {\n      alias { name updatedAt version { id version } }\n      previousVersion { id version }\n      userErrors { field message code }\n    }\n  }\n": types.SetModelAliasDocument,
    "\n  query PlaygroundRecommend($model: ModelRef!, $userId: String!, $limit: Int!) {\n    recommend(model: $model, userId: $userId, limit: $limit) {\n      modelVersion { id version }\n      coldStart\n      items { itemId score }\n    }\n  }\n": types.PlaygroundRecommendDocument,
    "\n  query PlaygroundTranslate($model: ModelRef!, $texts: [String!]!) {\n    translate(model: $model, texts: $texts) { modelVersion { id version } translations truncated }\n  }\n": types.PlaygroundTranslateDocument,
    "\n  query PlaygroundSummarize($model: ModelRef!, $texts: [String!]!) {\n    summarize(model: $model, texts: $texts) { modelVersion { id version } summaries truncated }\n  }\n": types.PlaygroundSummarizeDocument,
    "\n  query PlaygroundClassify($model: ModelRef!, $texts: [String!]!) {\n    classify(model: $model, texts: $texts) {\n      modelVersion { id version }\n      predictions { label score scores { label score } truncated }\n    }\n  }\n": types.PlaygroundClassifyDocument,
    "\n  query Runs($first: Int!, $after: String, $filter: RunFilterInput) {\n    runs(first: $first, after: $after, filter: $filter) {\n      nodes {\n        id modelName task status provider attempt gpuSeconds createdAt finishedAt\n        progress { epoch totalEpochs etaSeconds }\n        dataset { id name }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.RunsDocument,
    "\n  query LaunchOptions($task: Task!) {\n    datasets(first: 100, filter: { status: READY, task: $task }) {\n      nodes { id name rowCount }\n    }\n    baseModels(task: $task) { name description defaultHyperparameters }\n    runs(first: 100, filter: { status: SUCCEEDED, task: $task }) {\n      nodes { id modelName modelVersion { id version } }\n    }\n  }\n": types.LaunchOptionsDocument,
    "\n  mutation LaunchRun($input: LaunchRunInput!) {\n    launchRun(input: $input) {\n      run { id status }\n      userErrors { field message code }\n    }\n  }\n": types.LaunchRunDocument,
    "\n  fragment RunLive on TrainingRun {\n    id status attempt maxAttempts gpuSeconds gpus backend providerJobId startedAt finishedAt\n    progress { epoch totalEpochs step totalSteps etaSeconds }\n    evaluation { split metrics baseline }\n    modelVersion { id version }\n    error { code message }\n  }\n": types.RunLiveFragmentDoc,
    "\n  query Run($id: ID!) {\n    run(id: $id) {\n      ...RunLive\n      modelName task provider baseModel hyperparameters createdAt\n      dataset { id name }\n      metrics(maxPoints: 500) { name split points { step epoch value } }\n    }\n  }\n": types.RunDocument,
    "\n  query RunEvents($id: ID!, $after: String) {\n    run(id: $id) {\n      id\n      events(first: 50, after: $after) { nodes { id at level message data } endCursor hasNextPage }\n    }\n  }\n": types.RunEventsDocument,
    "\n  subscription RunUpdated($id: ID!) {\n    runUpdated(id: $id) { ...RunLive }\n  }\n": types.RunUpdatedDocument,
    "\n  subscription RunMetricLogged($runId: ID!) {\n    runMetricLogged(runId: $runId) { name split step epoch value }\n  }\n": types.RunMetricLoggedDocument,
    "\n  mutation CancelRun($id: ID!) {\n    cancelRun(id: $id) {\n      run { ...RunLive }\n      userErrors { field message code }\n    }\n  }\n": types.CancelRunDocument,
    "\n  query OpenAiSettings {\n    openAiSettings { apiKeySource apiKeyLast4 apiKeyUpdatedAt }\n  }\n": types.OpenAiSettingsDocument,
    "\n  mutation SetOpenAiApiKey($input: SetOpenAiApiKeyInput!) {\n    setOpenAiApiKey(input: $input) {\n      settings { apiKeySource apiKeyLast4 apiKeyUpdatedAt }\n      userErrors { field message code }\n    }\n  }\n": types.SetOpenAiApiKeyDocument,
    "\n  query BillingUsage {\n    billing {\n      plan { name title limits { maxConcurrentRuns gpuHoursPerPeriod datasetBytes inferenceRequestsPerMinute } }\n      subscriptionStatus pastDueSince paymentRequired\n      periodStart periodEnd gpuHoursThisPeriod stripeConnected\n    }\n    plans { name title purchasable monthlyAmount }\n    usage {\n      from to gpuSeconds trainingHours inferenceRequests\n      byRun { runId run { id modelName status } gpuSeconds trainingHours }\n      byDay { day gpuSeconds trainingHours inferenceRequests }\n    }\n    invoicePreview { currency subtotal total amountDue periodStart periodEnd lines { description quantity amount } }\n  }\n": types.BillingUsageDocument,
    "\n  mutation CreateCheckoutSession($plan: String!, $successUrl: String, $cancelUrl: String) {\n    createCheckoutSession(plan: $plan, successUrl: $successUrl, cancelUrl: $cancelUrl) { url userErrors { field message code } }\n  }\n": types.CreateCheckoutSessionDocument,
    "\n  mutation CreateBillingPortalSession($returnUrl: String!) {\n    createBillingPortalSession(returnUrl: $returnUrl) { url userErrors { field message code } }\n  }\n": types.CreateBillingPortalSessionDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user { id email }\n      tenant { id name }\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user { id email }\n      tenant { id name }\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user { id email }\n      tenant { id name }\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      token\n      refreshToken\n      expiresAt\n      user { id email }\n      tenant { id name }\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      token\n      refreshToken\n      expiresAt\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      token\n      refreshToken\n      expiresAt\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogOut($refreshToken: String!) {\n    logOut(refreshToken: $refreshToken) { userErrors { field message code } }\n  }\n"): (typeof documents)["\n  mutation LogOut($refreshToken: String!) {\n    logOut(refreshToken: $refreshToken) { userErrors { field message code } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      user { id email }\n      role\n      scopes\n      tenant { id name plan }\n      tenants { id name }\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      user { id email }\n      role\n      scopes\n      tenant { id name plan }\n      tenants { id name }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptInvitation($token: String!) {\n    acceptInvitation(token: $token) {\n      tenant { id name }\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation AcceptInvitation($token: String!) {\n    acceptInvitation(token: $token) {\n      tenant { id name }\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Datasets($first: Int!, $after: String, $filter: DatasetFilter) {\n    datasets(first: $first, after: $after, filter: $filter) {\n      nodes { id name task format status rowCount byteSize errorCount createdAt }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query Datasets($first: Int!, $after: String, $filter: DatasetFilter) {\n    datasets(first: $first, after: $after, filter: $filter) {\n      nodes { id name task format status rowCount byteSize errorCount createdAt }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Dataset($id: ID!) {\n    dataset(id: $id) {\n      id name task format status rowCount byteSize sha256 createdAt readyAt\n      stats\n      splits { train validation test }\n      files { split status rowCount byteSize receivedAt expiresAt }\n      columnMapping\n      options\n      errorCount\n      errors { line field message code }\n      failureReason\n      preview(limit: 10)\n    }\n  }\n"): (typeof documents)["\n  query Dataset($id: ID!) {\n    dataset(id: $id) {\n      id name task format status rowCount byteSize sha256 createdAt readyAt\n      stats\n      splits { train validation test }\n      files { split status rowCount byteSize receivedAt expiresAt }\n      columnMapping\n      options\n      errorCount\n      errors { line field message code }\n      failureReason\n      preview(limit: 10)\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateDatasetUpload($input: CreateDatasetUploadInput!) {\n    createDatasetUpload(input: $input) {\n      upload { id url method headers expiresAt maxBytes }\n      uploads { id split url method headers expiresAt maxBytes }\n      dataset { id status }\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateDatasetUpload($input: CreateDatasetUploadInput!) {\n    createDatasetUpload(input: $input) {\n      upload { id url method headers expiresAt maxBytes }\n      uploads { id split url method headers expiresAt maxBytes }\n      dataset { id status }\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteDataset($id: ID!) {\n    deleteDataset(id: $id) {\n      deletedDatasetId\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteDataset($id: ID!) {\n    deleteDataset(id: $id) {\n      deletedDatasetId\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BaselineRow on Baseline {\n    id model shots sampleSize status rowsEvaluated createdAt\n    evaluation { split metrics baseline }\n    error { code message }\n  }\n"): (typeof documents)["\n  fragment BaselineRow on Baseline {\n    id model shots sampleSize status rowsEvaluated createdAt\n    evaluation { split metrics baseline }\n    error { code message }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Baselines($datasetId: ID!, $metric: String!) {\n    baselines(datasetId: $datasetId) { ...BaselineRow }\n    compareOnDataset(datasetId: $datasetId, metric: $metric) {\n      metric\n      contenders { kind label value rank sameRows modelVersion { id version model { id } } baseline { id } }\n    }\n  }\n"): (typeof documents)["\n  query Baselines($datasetId: ID!, $metric: String!) {\n    baselines(datasetId: $datasetId) { ...BaselineRow }\n    compareOnDataset(datasetId: $datasetId, metric: $metric) {\n      metric\n      contenders { kind label value rank sameRows modelVersion { id version model { id } } baseline { id } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EvaluateBaseline($input: EvaluateBaselineInput!) {\n    evaluateBaseline(input: $input) {\n      baseline { ...BaselineRow }\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation EvaluateBaseline($input: EvaluateBaselineInput!) {\n    evaluateBaseline(input: $input) {\n      baseline { ...BaselineRow }\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiKeys($first: Int!, $after: String) {\n    viewer {\n      scopes\n      tenant {\n        id\n        apiKeys(first: $first, after: $after) {\n          nodes { id name prefix scopes createdAt lastUsedAt revokedAt createdBy { email } }\n          pageInfo { hasNextPage endCursor }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ApiKeys($first: Int!, $after: String) {\n    viewer {\n      scopes\n      tenant {\n        id\n        apiKeys(first: $first, after: $after) {\n          nodes { id name prefix scopes createdAt lastUsedAt revokedAt createdBy { email } }\n          pageInfo { hasNextPage endCursor }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      apiKey { id name prefix scopes createdAt }\n      secret\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      apiKey { id name prefix scopes createdAt }\n      secret\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      apiKey { id revokedAt }\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      apiKey { id revokedAt }\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Members {\n    viewer {\n      role\n      user { id }\n      tenant {\n        id\n        members(first: 100) { nodes { id role createdAt user { id email } } }\n        invitations(first: 100) { nodes { id email role createdAt expiresAt acceptedAt } }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Members {\n    viewer {\n      role\n      user { id }\n      tenant {\n        id\n        members(first: 100) { nodes { id role createdAt user { id email } } }\n        invitations(first: 100) { nodes { id email role createdAt expiresAt acceptedAt } }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      invitation { id email role expiresAt }\n      token\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      invitation { id email role expiresAt }\n      token\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateMemberRole($input: UpdateMemberRoleInput!) {\n    updateMemberRole(input: $input) {\n      membership { id role }\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateMemberRole($input: UpdateMemberRoleInput!) {\n    updateMemberRole(input: $input) {\n      membership { id role }\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMember($id: ID!) {\n    removeMember(id: $id) {\n      membership { id }\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveMember($id: ID!) {\n    removeMember(id: $id) {\n      membership { id }\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Models($first: Int!, $after: String) {\n    models(first: $first, after: $after) {\n      nodes {\n        id name task createdAt\n        aliases { name version { id version } }\n        latestVersion { id version createdAt }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query Models($first: Int!, $after: String) {\n    models(first: $first, after: $after) {\n      nodes {\n        id name task createdAt\n        aliases { name version { id version } }\n        latestVersion { id version createdAt }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Model($id: ID!) {\n    node(id: $id) {\n      id\n      ... on Model {\n        name task createdAt\n        aliases { name updatedAt version { id version } }\n        versions(first: 50) {\n          nodes {\n            id version createdAt aliases datasetSha256 provider providerModel artifactBytes\n            parent { id version model { id name } }\n            createdBy { email }\n            run { id }\n            evaluation { split metrics baseline }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Model($id: ID!) {\n    node(id: $id) {\n      id\n      ... on Model {\n        name task createdAt\n        aliases { name updatedAt version { id version } }\n        versions(first: 50) {\n          nodes {\n            id version createdAt aliases datasetSha256 provider providerModel artifactBytes\n            parent { id version model { id name } }\n            createdBy { email }\n            run { id }\n            evaluation { split metrics baseline }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetModelAlias($modelId: ID!, $alias: String!, $versionId: ID!) {\n    setModelAlias(modelId: $modelId, alias: $alias, versionId: $versionId) {\n      alias { name updatedAt version { id version } }\n      previousVersion { id version }\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation SetModelAlias($modelId: ID!, $alias: String!, $versionId: ID!) {\n    setModelAlias(modelId: $modelId, alias: $alias, versionId: $versionId) {\n      alias { name updatedAt version { id version } }\n      previousVersion { id version }\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PlaygroundRecommend($model: ModelRef!, $userId: String!, $limit: Int!) {\n    recommend(model: $model, userId: $userId, limit: $limit) {\n      modelVersion { id version }\n      coldStart\n      items { itemId score }\n    }\n  }\n"): (typeof documents)["\n  query PlaygroundRecommend($model: ModelRef!, $userId: String!, $limit: Int!) {\n    recommend(model: $model, userId: $userId, limit: $limit) {\n      modelVersion { id version }\n      coldStart\n      items { itemId score }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PlaygroundTranslate($model: ModelRef!, $texts: [String!]!) {\n    translate(model: $model, texts: $texts) { modelVersion { id version } translations truncated }\n  }\n"): (typeof documents)["\n  query PlaygroundTranslate($model: ModelRef!, $texts: [String!]!) {\n    translate(model: $model, texts: $texts) { modelVersion { id version } translations truncated }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PlaygroundSummarize($model: ModelRef!, $texts: [String!]!) {\n    summarize(model: $model, texts: $texts) { modelVersion { id version } summaries truncated }\n  }\n"): (typeof documents)["\n  query PlaygroundSummarize($model: ModelRef!, $texts: [String!]!) {\n    summarize(model: $model, texts: $texts) { modelVersion { id version } summaries truncated }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PlaygroundClassify($model: ModelRef!, $texts: [String!]!) {\n    classify(model: $model, texts: $texts) {\n      modelVersion { id version }\n      predictions { label score scores { label score } truncated }\n    }\n  }\n"): (typeof documents)["\n  query PlaygroundClassify($model: ModelRef!, $texts: [String!]!) {\n    classify(model: $model, texts: $texts) {\n      modelVersion { id version }\n      predictions { label score scores { label score } truncated }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Runs($first: Int!, $after: String, $filter: RunFilterInput) {\n    runs(first: $first, after: $after, filter: $filter) {\n      nodes {\n        id modelName task status provider attempt gpuSeconds createdAt finishedAt\n        progress { epoch totalEpochs etaSeconds }\n        dataset { id name }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query Runs($first: Int!, $after: String, $filter: RunFilterInput) {\n    runs(first: $first, after: $after, filter: $filter) {\n      nodes {\n        id modelName task status provider attempt gpuSeconds createdAt finishedAt\n        progress { epoch totalEpochs etaSeconds }\n        dataset { id name }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LaunchOptions($task: Task!) {\n    datasets(first: 100, filter: { status: READY, task: $task }) {\n      nodes { id name rowCount }\n    }\n    baseModels(task: $task) { name description defaultHyperparameters }\n    runs(first: 100, filter: { status: SUCCEEDED, task: $task }) {\n      nodes { id modelName modelVersion { id version } }\n    }\n  }\n"): (typeof documents)["\n  query LaunchOptions($task: Task!) {\n    datasets(first: 100, filter: { status: READY, task: $task }) {\n      nodes { id name rowCount }\n    }\n    baseModels(task: $task) { name description defaultHyperparameters }\n    runs(first: 100, filter: { status: SUCCEEDED, task: $task }) {\n      nodes { id modelName modelVersion { id version } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LaunchRun($input: LaunchRunInput!) {\n    launchRun(input: $input) {\n      run { id status }\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation LaunchRun($input: LaunchRunInput!) {\n    launchRun(input: $input) {\n      run { id status }\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RunLive on TrainingRun {\n    id status attempt maxAttempts gpuSeconds gpus backend providerJobId startedAt finishedAt\n    progress { epoch totalEpochs step totalSteps etaSeconds }\n    evaluation { split metrics baseline }\n    modelVersion { id version }\n    error { code message }\n  }\n"): (typeof documents)["\n  fragment RunLive on TrainingRun {\n    id status attempt maxAttempts gpuSeconds gpus backend providerJobId startedAt finishedAt\n    progress { epoch totalEpochs step totalSteps etaSeconds }\n    evaluation { split metrics baseline }\n    modelVersion { id version }\n    error { code message }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Run($id: ID!) {\n    run(id: $id) {\n      ...RunLive\n      modelName task provider baseModel hyperparameters createdAt\n      dataset { id name }\n      metrics(maxPoints: 500) { name split points { step epoch value } }\n    }\n  }\n"): (typeof documents)["\n  query Run($id: ID!) {\n    run(id: $id) {\n      ...RunLive\n      modelName task provider baseModel hyperparameters createdAt\n      dataset { id name }\n      metrics(maxPoints: 500) { name split points { step epoch value } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunEvents($id: ID!, $after: String) {\n    run(id: $id) {\n      id\n      events(first: 50, after: $after) { nodes { id at level message data } endCursor hasNextPage }\n    }\n  }\n"): (typeof documents)["\n  query RunEvents($id: ID!, $after: String) {\n    run(id: $id) {\n      id\n      events(first: 50, after: $after) { nodes { id at level message data } endCursor hasNextPage }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RunUpdated($id: ID!) {\n    runUpdated(id: $id) { ...RunLive }\n  }\n"): (typeof documents)["\n  subscription RunUpdated($id: ID!) {\n    runUpdated(id: $id) { ...RunLive }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RunMetricLogged($runId: ID!) {\n    runMetricLogged(runId: $runId) { name split step epoch value }\n  }\n"): (typeof documents)["\n  subscription RunMetricLogged($runId: ID!) {\n    runMetricLogged(runId: $runId) { name split step epoch value }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelRun($id: ID!) {\n    cancelRun(id: $id) {\n      run { ...RunLive }\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation CancelRun($id: ID!) {\n    cancelRun(id: $id) {\n      run { ...RunLive }\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OpenAiSettings {\n    openAiSettings { apiKeySource apiKeyLast4 apiKeyUpdatedAt }\n  }\n"): (typeof documents)["\n  query OpenAiSettings {\n    openAiSettings { apiKeySource apiKeyLast4 apiKeyUpdatedAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetOpenAiApiKey($input: SetOpenAiApiKeyInput!) {\n    setOpenAiApiKey(input: $input) {\n      settings { apiKeySource apiKeyLast4 apiKeyUpdatedAt }\n      userErrors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation SetOpenAiApiKey($input: SetOpenAiApiKeyInput!) {\n    setOpenAiApiKey(input: $input) {\n      settings { apiKeySource apiKeyLast4 apiKeyUpdatedAt }\n      userErrors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BillingUsage {\n    billing {\n      plan { name title limits { maxConcurrentRuns gpuHoursPerPeriod datasetBytes inferenceRequestsPerMinute } }\n      subscriptionStatus pastDueSince paymentRequired\n      periodStart periodEnd gpuHoursThisPeriod stripeConnected\n    }\n    plans { name title purchasable monthlyAmount }\n    usage {\n      from to gpuSeconds trainingHours inferenceRequests\n      byRun { runId run { id modelName status } gpuSeconds trainingHours }\n      byDay { day gpuSeconds trainingHours inferenceRequests }\n    }\n    invoicePreview { currency subtotal total amountDue periodStart periodEnd lines { description quantity amount } }\n  }\n"): (typeof documents)["\n  query BillingUsage {\n    billing {\n      plan { name title limits { maxConcurrentRuns gpuHoursPerPeriod datasetBytes inferenceRequestsPerMinute } }\n      subscriptionStatus pastDueSince paymentRequired\n      periodStart periodEnd gpuHoursThisPeriod stripeConnected\n    }\n    plans { name title purchasable monthlyAmount }\n    usage {\n      from to gpuSeconds trainingHours inferenceRequests\n      byRun { runId run { id modelName status } gpuSeconds trainingHours }\n      byDay { day gpuSeconds trainingHours inferenceRequests }\n    }\n    invoicePreview { currency subtotal total amountDue periodStart periodEnd lines { description quantity amount } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateCheckoutSession($plan: String!, $successUrl: String, $cancelUrl: String) {\n    createCheckoutSession(plan: $plan, successUrl: $successUrl, cancelUrl: $cancelUrl) { url userErrors { field message code } }\n  }\n"): (typeof documents)["\n  mutation CreateCheckoutSession($plan: String!, $successUrl: String, $cancelUrl: String) {\n    createCheckoutSession(plan: $plan, successUrl: $successUrl, cancelUrl: $cancelUrl) { url userErrors { field message code } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateBillingPortalSession($returnUrl: String!) {\n    createBillingPortalSession(returnUrl: $returnUrl) { url userErrors { field message code } }\n  }\n"): (typeof documents)["\n  mutation CreateBillingPortalSession($returnUrl: String!) {\n    createBillingPortalSession(returnUrl: $returnUrl) { url userErrors { field message code } }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;