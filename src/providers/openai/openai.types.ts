import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { toGlobalId } from '../../common/global-id';
import { Node } from '../../common/relay';
import { UserError } from '../../common/user-error.type';
import { DatasetTaskEnum } from '../../datasets/dataset.types';
import { ModelVersionNode } from '../../models/model.types';
import { RunError, RunEvaluationType } from '../../training/training-run.types';
import { Baseline } from './baseline.entity';
import { KeySource, KeyStatus } from './openai-client';

export enum BaselineStatusEnum {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(BaselineStatusEnum, { name: 'BaselineStatus' });

export enum OpenAiKeySourceEnum {
  TENANT = 'TENANT',
  PLATFORM = 'PLATFORM',
  NONE = 'NONE',
}
registerEnumType(OpenAiKeySourceEnum, { name: 'OpenAiKeySource', description: 'Whose key OpenAI calls use: the tenant\'s own, the platform\'s, or none (calls are refused).' });

@ObjectType('Baseline', { implements: Node, description: 'A chat model\'s zero- or few-shot answers on a dataset\'s test split, scored by the same metric functions as trained versions.' })
export class BaselineNode extends Node {
  rowId!: string;
  datasetRowId!: string | null;
  @Field(() => DatasetTaskEnum) task!: DatasetTaskEnum;
  @Field({ description: 'Provider of the chat model (openai).' }) provider!: string;
  @Field({ description: 'Chat model id, e.g. gpt-4o-mini.' }) model!: string;
  @Field(() => Int, { description: 'Training examples shown before each input (0 = zero-shot).' }) shots!: number;
  @Field(() => Int, { nullable: true, description: 'Rows sampled from the test split (null: the whole test split, the rows trained versions are evaluated on).' }) sampleSize!: number | null;
  @Field(() => Int) seed!: number;
  @Field({ description: 'The system prompt sent (the tenant\'s or the task\'s default, with labels filled in).' }) systemPrompt!: string;
  @Field(() => BaselineStatusEnum) status!: BaselineStatusEnum;
  @Field(() => Int, { nullable: true }) rowsEvaluated!: number | null;
  @Field(() => String, { nullable: true, description: 'Content hash of the dataset evaluated on.' }) datasetSha256!: string;
  @Field(() => RunEvaluationType, { nullable: true, description: 'Metrics on the rows evaluated, beside the task\'s simple baseline on the same rows.' }) evaluation!: RunEvaluationType | null;
  @Field(() => RunError, { nullable: true, description: 'Why it failed (OpenAI\'s status and message).' }) error!: RunError | null;
  @Field(() => Float) promptTokens!: number;
  @Field(() => Float) completionTokens!: number;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

export const presentBaseline = (b: Baseline): BaselineNode =>
  Object.assign(new BaselineNode(), {
    id: toGlobalId('Baseline', b.id),
    rowId: b.id,
    datasetRowId: b.datasetId,
    task: b.task as unknown as DatasetTaskEnum,
    provider: b.provider,
    model: b.model,
    shots: b.shots,
    sampleSize: b.sampleSize,
    seed: b.seed,
    systemPrompt: b.systemPrompt,
    status: b.status as BaselineStatusEnum,
    rowsEvaluated: b.rowsEvaluated,
    datasetSha256: b.datasetSha256,
    evaluation: b.evaluation ? { details: null, ...b.evaluation } : null,
    error: b.error,
    promptTokens: b.promptTokens,
    completionTokens: b.completionTokens,
    createdAt: b.createdAt,
    finishedAt: b.finishedAt,
  });

@InputType()
export class EvaluateBaselineInput {
  @Field(() => ID) datasetId!: string;
  @Field({ description: 'Chat model id, e.g. gpt-4o-mini (or a model an OpenAI-compatible server at OPENAI_BASE_URL serves).' }) model!: string;
  @Field(() => Int, { defaultValue: 0, description: 'Training examples shown before each input, 0 to 8.' }) shots!: number;
  @Field(() => Int, { nullable: true, description: 'Evaluate a seeded sample of this many test rows instead of the whole test split.' }) sampleSize?: number | null;
  @Field(() => Int, { defaultValue: 0, description: 'Seeds the sample, the choice of examples and the model\'s sampling.' }) seed!: number;
  @Field(() => String, { nullable: true, description: 'Replaces the task\'s system prompt; classification prompts get the label list appended (or put where {labels} is).' }) systemPrompt?: string | null;
}

@ObjectType()
export class BaselinePayload {
  @Field(() => BaselineNode, { nullable: true }) baseline!: BaselineNode | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType({ description: 'The tenant\'s OpenAI settings. The key itself is write-only: only whether one is set and its last 4 characters.' })
export class OpenAiSettingsType {
  @Field(() => OpenAiKeySourceEnum) apiKeySource!: KeySource;
  @Field(() => String, { nullable: true }) apiKeyLast4!: string | null;
  @Field(() => Date, { nullable: true }) apiKeyUpdatedAt!: Date | null;
}

export const presentKeyStatus = (s: KeyStatus): OpenAiSettingsType => ({ apiKeySource: s.source, apiKeyLast4: s.last4, apiKeyUpdatedAt: s.updatedAt });

@InputType()
export class SetOpenAiApiKeyInput {
  @Field(() => String, { nullable: true, description: 'The tenant\'s OpenAI API key; null removes it (the platform\'s key, if any, is used again).' }) apiKey!: string | null;
}

@ObjectType()
export class OpenAiSettingsPayload {
  @Field(() => OpenAiSettingsType, { nullable: true }) settings!: OpenAiSettingsType | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

export enum ComparedKindEnum {
  MODEL_VERSION = 'MODEL_VERSION',
  BASELINE = 'BASELINE',
}
registerEnumType(ComparedKindEnum, { name: 'ComparedKind' });

@ObjectType({ description: 'One contender on a dataset: a trained (or fine-tuned) model version or a zero/few-shot baseline.' })
export class DatasetContender {
  @Field(() => ComparedKindEnum) kind!: ComparedKindEnum;
  @Field({ description: 'e.g. "my-classifier v3" or "gpt-4o-mini, 3-shot".' }) label!: string;
  @Field(() => ModelVersionNode, { nullable: true }) modelVersion!: ModelVersionNode | null;
  @Field(() => BaselineNode, { nullable: true }) baseline!: BaselineNode | null;
  @Field(() => Float, { nullable: true, description: 'The metric on the test split (null: not measured).' }) value!: number | null;
  @Field(() => Int, { nullable: true, description: '1 = best among the contenders measured on the whole test split.' }) rank!: number | null;
  @Field({ description: 'True when measured on exactly the dataset\'s test split (a sampled baseline is not).' }) sameRows!: boolean;
}

@ObjectType()
export class DatasetComparison {
  @Field() metric!: string;
  @Field(() => [DatasetContender]) contenders!: DatasetContender[];
}
