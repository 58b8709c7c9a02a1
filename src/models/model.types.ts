import { ArgsType, Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { toGlobalId } from '../common/global-id';
import { ConnectionType, Node, PageArgs } from '../common/relay';
import { DatasetTaskEnum } from '../datasets/dataset.types';
import { UserError } from '../common/user-error.type';
import { presentProvider, ProviderEnum, RunEvaluationType } from '../training/training-run.types';
import { ModelVersion } from './model-version.entity';
import { Model } from './model.entity';

@ObjectType('ModelVersion', { implements: Node, description: 'The artifact of a succeeded run, with its test-split evaluation beside the baseline.' })
export class ModelVersionNode extends Node {
  rowId!: string;
  modelId!: string;
  runId!: string | null;
  parentVersionId!: string | null;
  createdById!: string | null;
  @Field(() => Int, { description: '1, 2, 3 … per model, in the order runs succeeded.' }) version!: number;
  @Field(() => RunEvaluationType, { nullable: true, description: 'Metrics on the test split of the dataset it was trained on.' }) evaluation!: RunEvaluationType | null;
  @Field(() => String, { nullable: true, description: 'Content hash of the dataset it was trained on.' }) datasetSha256!: string | null;
  @Field(() => Float, { nullable: true, description: 'Size of the packed artifact (null for a provider-hosted version).' }) artifactBytes!: number | null;
  @Field(() => ProviderEnum, { description: 'LOCAL: our artifact, served by Tuneforge; OPENAI: a fine-tuned OpenAI model, invoked through chat completions.' }) provider!: ProviderEnum;
  @Field(() => String, { nullable: true, description: 'The provider\'s model id (OpenAI: ft:gpt-4o-mini-…).' }) providerModel!: string | null;
  @Field(() => Date, { nullable: true, description: 'Set once deleted: the version can no longer be invoked, its lineage stays readable.' }) deletedAt!: Date | null;
  @Field() createdAt!: Date;
}

export const presentVersion = (v: ModelVersion): ModelVersionNode =>
  Object.assign(new ModelVersionNode(), {
    id: toGlobalId('ModelVersion', v.id),
    rowId: v.id,
    modelId: v.modelId,
    runId: v.runId,
    parentVersionId: v.parentVersionId,
    createdById: v.createdBy,
    version: v.version,
    evaluation: v.evaluation ? { details: null, ...(v.evaluation as object) } : null,
    datasetSha256: v.datasetSha256,
    artifactBytes: v.artifactBytes,
    provider: presentProvider(v.provider),
    providerModel: v.providerModel,
    deletedAt: v.deletedAt,
    createdAt: v.createdAt,
  });

export const ModelVersionConnection = ConnectionType('ModelVersion', ModelVersionNode);

@ObjectType('Model', { implements: Node, description: 'A named model of the tenant for one task: its versions and aliases.' })
export class ModelNode extends Node {
  rowId!: string;
  @Field() name!: string;
  @Field(() => DatasetTaskEnum) task!: DatasetTaskEnum;
  @Field() createdAt!: Date;
}

export const presentModel = (m: Model): ModelNode =>
  Object.assign(new ModelNode(), { id: toGlobalId('Model', m.id), rowId: m.id, name: m.name, task: m.task.toUpperCase() as DatasetTaskEnum, createdAt: m.createdAt });

export const ModelConnection = ConnectionType('Model', ModelNode);

@ObjectType('ModelAlias', { description: 'A name (production, staging, …) that points to one version of its model.' })
export class ModelAliasType {
  @Field() name!: string;
  @Field(() => ModelVersionNode) version!: ModelVersionNode;
  @Field(() => Date) updatedAt!: Date;
}

@InputType('ModelRef', {
  description: 'Which model version to use: exactly one of `id` (a Model), `versionId`, or `name`. With `id` or `name`, `alias` picks the version (default: `production` if set, else the newest version; `latest` is always the newest).',
})
export class ModelRefInput {
  @Field(() => ID, { nullable: true }) id?: string | null;
  @Field(() => ID, { nullable: true }) versionId?: string | null;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) alias?: string | null;
}

@InputType('ModelFilter')
export class ModelFilterInput {
  @Field(() => DatasetTaskEnum, { nullable: true }) task?: DatasetTaskEnum | null;
  @Field(() => String, { nullable: true, description: 'Exact model name.' }) name?: string | null;
}

@ArgsType()
export class VersionPageArgs extends PageArgs {
  @Field(() => Boolean, { defaultValue: false, description: 'Include deleted versions (kept for lineage).' }) includeDeleted!: boolean;
}

@ObjectType()
export class SetModelAliasPayload {
  @Field(() => ModelAliasType, { nullable: true }) alias!: ModelAliasType | null;
  @Field(() => ModelVersionNode, { nullable: true, description: 'Where the alias pointed before (null for a new alias).' }) previousVersion!: ModelVersionNode | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class DeleteModelAliasPayload {
  @Field(() => String, { nullable: true }) deletedAlias!: string | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class DeleteModelVersionPayload {
  @Field(() => ModelVersionNode, { nullable: true }) version!: ModelVersionNode | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType({ description: 'One metric of one version: its test value and the baseline on the same rows, ranked among the compared versions.' })
export class ComparedMetric {
  @Field() name!: string;
  @Field(() => Float, { nullable: true }) value!: number | null;
  @Field(() => Float, { nullable: true }) baseline!: number | null;
  @Field(() => Int, { nullable: true, description: '1 = best among the compared versions that have this metric.' }) rank!: number | null;
}

@ObjectType({ description: 'A version\'s test metrics, each measured on the test split of its own dataset.' })
export class ComparedVersion {
  @Field(() => ModelVersionNode) version!: ModelVersionNode;
  @Field(() => String, { nullable: true }) datasetSha256!: string | null;
  @Field(() => [ComparedMetric]) metrics!: ComparedMetric[];
}

@ObjectType()
export class VersionComparison {
  @Field(() => [ComparedVersion]) versions!: ComparedVersion[];
  @Field({ description: 'True when every compared version was tested on the same dataset (same content hash), so the numbers compare like for like.' }) sameDataset!: boolean;
}
