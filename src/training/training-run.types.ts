import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { ArgsType, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { toGlobalId } from '../common/global-id';
import { ConnectionType, Node } from '../common/relay';
import { UserError } from '../common/user-error.type';
import { DatasetTaskEnum } from '../datasets/dataset.types';
import { TrainingRun } from './training-run.entity';

export enum RunStatusEnum {
  QUEUED = 'QUEUED',
  PROVISIONING = 'PROVISIONING',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(RunStatusEnum, { name: 'RunStatus', description: 'QUEUED → PROVISIONING → RUNNING → SUCCEEDED | FAILED | CANCELLED; a lost worker sends a run back to QUEUED.' });

export enum ProviderEnum {
  LOCAL = 'LOCAL',
  OPENAI = 'OPENAI',
}
registerEnumType(ProviderEnum, { name: 'Provider', description: 'Who trains a run and serves its version: LOCAL (Tuneforge\'s own trainer and GPU pool) or OPENAI (OpenAI fine-tuning, with the tenant\'s key).' });

export const presentProvider = (p: string): ProviderEnum => p.toUpperCase() as ProviderEnum;

@ObjectType()
export class RunProgressType {
  @Field(() => Int) step!: number;
  @Field(() => Int) totalSteps!: number;
  @Field(() => Int) epoch!: number;
  @Field(() => Int) totalEpochs!: number;
  @Field(() => Float, { nullable: true }) etaSeconds!: number | null;
}

@ObjectType()
export class RunError {
  @Field() code!: string;
  @Field() message!: string;
}

@ObjectType({ description: 'Test-split metrics of the trained model beside the task\'s simple baseline, on the same rows.' })
export class RunEvaluationType {
  @Field() split!: string;
  @Field(() => GraphQLJSONObject) metrics!: Record<string, number>;
  @Field(() => GraphQLJSONObject) baseline!: Record<string, number>;
  @Field(() => GraphQLJSONObject, { nullable: true }) details!: Record<string, unknown> | null;
}

@ObjectType()
export class MetricPoint {
  @Field() name!: string;
  @Field() split!: string;
  @Field(() => Int) step!: number;
  @Field(() => Int) epoch!: number;
  @Field(() => Float) value!: number;
  @Field(() => Date, { nullable: true }) at!: Date | null;
}

@ObjectType()
export class MetricSeries {
  @Field() name!: string;
  @Field() split!: string;
  @Field(() => [MetricPoint]) points!: MetricPoint[];
}

@ObjectType()
export class RunEvent {
  @Field(() => ID) id!: string;
  @Field() at!: Date;
  @Field() level!: string;
  @Field() message!: string;
  @Field(() => GraphQLJSON, { nullable: true }) data!: unknown;
}

@ObjectType()
export class RunEventPage {
  @Field(() => [RunEvent]) nodes!: RunEvent[];
  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page.' }) endCursor!: string | null;
  @Field() hasNextPage!: boolean;
}

@ObjectType({ description: 'A complete checkpoint: weights, optimizer state, RNG and tokenizer after some epochs.' })
export class RunCheckpoint {
  @Field({ description: 'Storage key, e.g. checkpoints/epoch-0002-step-000000016.' }) name!: string;
  @Field(() => Int, { nullable: true, description: 'Full epochs done.' }) epoch!: number | null;
  @Field(() => Int, { nullable: true, description: 'Optimizer steps done.' }) step!: number | null;
  @Field(() => Int, { description: 'The attempt that wrote it.' }) attempt!: number;
  @Field(() => Float) bytes!: number;
  @Field() createdAt!: Date;
}

@ObjectType('TrainingRun', { implements: Node, description: 'One fine-tuning job: dataset + base + hyperparameters → a new model version.' })
export class TrainingRunNode extends Node {
  rowId!: string;
  datasetRowId!: string | null;
  modelId!: string;
  @Field(() => DatasetTaskEnum) task!: DatasetTaskEnum;
  @Field(() => RunStatusEnum) status!: RunStatusEnum;
  @Field(() => Int, { description: '1 for the first attempt; a requeued run continues with the next.' }) attempt!: number;
  @Field(() => Int) maxAttempts!: number;
  @Field(() => String, { nullable: true }) baseModel!: string | null;
  @Field(() => GraphQLJSONObject) hyperparameters!: Record<string, unknown>;
  @Field(() => Int) gpus!: number;
  @Field(() => String, { nullable: true }) idempotencyKey!: string | null;
  @Field(() => ProviderEnum) provider!: ProviderEnum;
  @Field(() => String, { nullable: true, description: 'The provider\'s job id (OpenAI: ftjob-…), once submitted.' }) providerJobId!: string | null;
  @Field(() => RunProgressType, { nullable: true }) progress!: RunProgressType | null;
  @Field(() => String, { nullable: true, description: 'TensorFlow.js backend the trainer used.' }) backend!: string | null;
  @Field(() => RunEvaluationType, { nullable: true }) evaluation!: RunEvaluationType | null;
  @Field(() => RunError, { nullable: true }) error!: RunError | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

export const TrainingRunConnection = ConnectionType('TrainingRun', TrainingRunNode);

export const presentRun = (r: TrainingRun): TrainingRunNode =>
  Object.assign(new TrainingRunNode(), {
    id: toGlobalId('TrainingRun', r.id),
    rowId: r.id,
    datasetRowId: r.datasetId,
    modelId: r.modelId,
    task: r.task as DatasetTaskEnum,
    status: r.status as RunStatusEnum,
    attempt: r.attempt,
    maxAttempts: r.maxAttempts,
    baseModel: r.baseModel,
    hyperparameters: r.hyperparameters,
    gpus: r.gpus,
    idempotencyKey: r.idempotencyKey,
    provider: presentProvider(r.provider),
    providerJobId: r.providerJobId,
    progress: r.progress,
    backend: r.backend,
    evaluation: r.evaluation ? { details: null, ...r.evaluation } : null,
    error: r.error,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  });

@InputType()
export class LaunchRunInput {
  @Field({ description: 'The model this run adds a version to (created on first use).' }) modelName!: string;
  @Field(() => DatasetTaskEnum) task!: DatasetTaskEnum;
  @Field(() => ID) datasetId!: string;
  @Field(() => String, { nullable: true, description: 'A preset from baseModels(task); default: the task\'s first.' }) baseModel?: string;
  @Field(() => ID, { nullable: true, description: 'Fine-tune from this ModelVersion of the same task instead of a preset.' }) parentVersionId?: string;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Merged over the preset\'s; `epochs` is understood by every task.' }) hyperparameters?: Record<string, unknown>;
  @Field(() => Int, { nullable: true, description: 'GPUs per attempt (default 1).' }) gpus?: number;
  @Field(() => String, { nullable: true, description: 'Launching twice with the same key returns the same run.' }) idempotencyKey?: string;
  @Field(() => ProviderEnum, { defaultValue: ProviderEnum.LOCAL, description: 'LOCAL trains on Tuneforge\'s GPU pool; OPENAI fine-tunes an OpenAI model (baseModel e.g. gpt-4o-mini-2024-07-18) with the tenant\'s key, for translation, summarization and classification.' })
  provider?: ProviderEnum;
  @Field(() => String, { nullable: true, description: 'OPENAI runs: replaces the task\'s system prompt the rows are converted with (classification prompts get the label list at {labels} or appended). The version is invoked with the same prompt.' })
  systemPrompt?: string;
}

@ObjectType()
export class RunPayload {
  @Field(() => TrainingRunNode, { nullable: true }) run!: TrainingRunNode | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@InputType()
export class RunFilterInput {
  @Field(() => RunStatusEnum, { nullable: true }) status?: RunStatusEnum;
  @Field(() => DatasetTaskEnum, { nullable: true }) task?: DatasetTaskEnum;
}

@ObjectType()
export class BaseModel {
  @Field() name!: string;
  @Field(() => DatasetTaskEnum) task!: DatasetTaskEnum;
  @Field() description!: string;
  @Field(() => GraphQLJSONObject, { description: 'Hyperparameters a run starts from: the task\'s defaults with the preset\'s values over them.' }) defaultHyperparameters!: Record<string, unknown>;
}

@ArgsType()
export class MetricsArgs {
  @Field(() => [String], { nullable: true }) names?: string[];
  @Field(() => String, { nullable: true }) split?: string;
  @Field(() => Int, { defaultValue: 500, description: 'Longer series are downsampled, keeping each bucket\'s min and max.' }) maxPoints!: number;
}

@ObjectType({ description: 'One run in a comparison: its test metric beside the baseline, and its best validation value.' })
export class RunComparison {
  @Field(() => TrainingRunNode) run!: TrainingRunNode;
  @Field(() => Float, { nullable: true, description: 'The metric on the test split (null until the run succeeds).' }) test!: number | null;
  @Field(() => Float, { nullable: true, description: 'The baseline\'s value of the metric on the same rows.' }) baseline!: number | null;
  @Field(() => Float, { nullable: true, description: 'Best value logged on the validation split during training.' }) bestValidation!: number | null;
  @Field(() => Int, { nullable: true, description: 'Rank by `test` (1 = best; lower is better for loss, rmse, mae).' }) rank!: number | null;
}

