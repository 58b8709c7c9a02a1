import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AppError, toPayload } from '../common/errors';
import { PageArgs } from '../common/relay';
import { Context, principalOf, tenantManager } from '../server/context';
import { presentUser, UserNode } from '../tenancy/tenancy.types';
import { TrainingRun } from '../training/training-run.entity';
import { presentRun, TrainingRunNode } from '../training/training-run.types';
import { compareVersions } from './model-registry.service';
import { ModelAlias } from './model-alias.entity';
import { ModelVersion } from './model-version.entity';
import { Model } from './model.entity';
import {
  DeleteModelAliasPayload,
  DeleteModelVersionPayload,
  ModelAliasType,
  ModelConnection,
  ModelFilterInput,
  ModelNode,
  ModelRefInput,
  ModelVersionConnection,
  ModelVersionNode,
  presentModel,
  presentVersion,
  SetModelAliasPayload,
  VersionComparison,
  VersionPageArgs,
} from './model.types';

async function presentAlias(ctx: Context, a: ModelAlias, version?: ModelVersion): Promise<ModelAliasType> {
  const v = version ?? (await (await tenantManager(ctx)).findOneByOrFail(ModelVersion, { id: a.versionId }));
  return { name: a.alias, version: presentVersion(v), updatedAt: a.updatedAt };
}

@Resolver(() => ModelNode)
export class ModelResolver {
  @Authorized('models:read')
  @Query(() => ModelConnection, { description: 'The tenant\'s models, oldest first.' })
  async models(@Args() page: PageArgs, @Arg('filter', () => ModelFilterInput, { nullable: true }) filter: ModelFilterInput | null, @Ctx() ctx: Context) {
    return ctx.services.models.listModels(await tenantManager(ctx), page, filter, presentModel);
  }

  @Authorized('models:read')
  @Query(() => ModelVersionNode, { description: 'The version a ModelRef resolves to right now (what recommend/translate/… would use).' })
  async modelVersion(@Arg('model', () => ModelRefInput) ref: ModelRefInput, @Ctx() ctx: Context): Promise<ModelVersionNode> {
    return presentVersion((await ctx.services.models.resolve(await tenantManager(ctx), ref)).version);
  }

  @Authorized('models:read')
  @Query(() => VersionComparison, { description: 'Versions (of any models of the same task) side by side on their test metrics, each measured on its own dataset.' })
  async compareModelVersions(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: Context): Promise<VersionComparison> {
    if (ids.length < 1 || ids.length > 20) throw new AppError('BAD_USER_INPUT', 'ids must list 1 to 20 versions', { field: 'ids' });
    const versions = await ctx.services.models.versionsByIds(await tenantManager(ctx), ids);
    const compared = compareVersions(versions);
    return {
      sameDataset: compared.sameDataset,
      versions: compared.versions.map((c) => ({ version: presentVersion(c.version), datasetSha256: c.version.datasetSha256, metrics: c.metrics })),
    };
  }

  @Authorized('models:write')
  @Mutation(() => SetModelAliasPayload, { description: 'Points an alias (production, staging, or any name that is not a number) at a version of the same model, atomically.' })
  async setModelAlias(
    @Arg('modelId', () => ID) modelId: string,
    @Arg('alias') alias: string,
    @Arg('versionId', () => ID) versionId: string,
    @Ctx() ctx: Context,
  ): Promise<SetModelAliasPayload> {
    const m = await tenantManager(ctx);
    return toPayload(async () => {
      const { alias: saved, previous } = await ctx.services.models.setAlias(m, principalOf(ctx).userId, modelId, alias, versionId);
      return { alias: await presentAlias(ctx, saved), previousVersion: previous ? presentVersion(previous) : null };
    }, { alias: null, previousVersion: null });
  }

  @Authorized('models:write')
  @Mutation(() => DeleteModelAliasPayload)
  async deleteModelAlias(@Arg('modelId', () => ID) modelId: string, @Arg('alias') alias: string, @Ctx() ctx: Context): Promise<DeleteModelAliasPayload> {
    const m = await tenantManager(ctx);
    return toPayload(async () => ({ deletedAlias: await ctx.services.models.deleteAlias(m, modelId, alias) }), { deletedAlias: null });
  }

  @Authorized('models:write')
  @Mutation(() => DeleteModelVersionPayload, { description: 'Deletes a version\'s artifact (it can no longer be invoked; its lineage stays). CONFLICT while an alias points to it or a queued or running run fine-tunes from it.' })
  async deleteModelVersion(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<DeleteModelVersionPayload> {
    const m = await tenantManager(ctx);
    return toPayload(async () => ({ version: presentVersion(await ctx.services.models.deleteVersion(m, id)) }), { version: null });
  }

  @FieldResolver(() => ModelVersionConnection, { description: 'Versions in the order they were registered.' })
  async versions(@Root() model: ModelNode, @Args() args: VersionPageArgs, @Ctx() ctx: Context) {
    return ctx.services.models.listVersions(await tenantManager(ctx), model.rowId, args, args.includeDeleted, presentVersion);
  }

  @FieldResolver(() => ModelVersionNode, { nullable: true, description: 'The newest live version (what the implicit `latest` alias names).' })
  async latestVersion(@Root() model: ModelNode, @Ctx() ctx: Context): Promise<ModelVersionNode | null> {
    const v = await ctx.services.models.latestVersion(await tenantManager(ctx), model.rowId);
    return v ? presentVersion(v) : null;
  }

  @FieldResolver(() => [ModelAliasType])
  async aliases(@Root() model: ModelNode, @Ctx() ctx: Context): Promise<ModelAliasType[]> {
    const list = await ctx.services.models.aliases(await tenantManager(ctx), model.rowId);
    return Promise.all(list.map((a) => presentAlias(ctx, a)));
  }
}

@Resolver(() => ModelVersionNode)
export class ModelVersionResolver {
  @FieldResolver(() => ModelNode)
  async model(@Root() v: ModelVersionNode, @Ctx() ctx: Context): Promise<ModelNode> {
    return presentModel(await (await tenantManager(ctx)).findOneByOrFail(Model, { id: v.modelId }));
  }

  @FieldResolver(() => [String], { description: 'Aliases pointing here.' })
  async aliases(@Root() v: ModelVersionNode, @Ctx() ctx: Context): Promise<string[]> {
    return ctx.services.models.aliasNamesOf(await tenantManager(ctx), v.rowId);
  }

  @FieldResolver(() => TrainingRunNode, { nullable: true, description: 'The run that produced it.' })
  async run(@Root() v: ModelVersionNode, @Ctx() ctx: Context): Promise<TrainingRunNode | null> {
    if (!v.runId) return null;
    const run = await (await tenantManager(ctx)).findOneBy(TrainingRun, { id: v.runId });
    return run ? presentRun(run) : null;
  }

  @FieldResolver(() => ModelVersionNode, { nullable: true, description: 'The version it was fine-tuned from.' })
  async parent(@Root() v: ModelVersionNode, @Ctx() ctx: Context): Promise<ModelVersionNode | null> {
    if (!v.parentVersionId) return null;
    const p = await (await tenantManager(ctx)).findOneBy(ModelVersion, { id: v.parentVersionId });
    return p ? presentVersion(p) : null;
  }

  @FieldResolver(() => [ModelVersionNode], { description: 'Versions fine-tuned from this one.' })
  async children(@Root() v: ModelVersionNode, @Ctx() ctx: Context): Promise<ModelVersionNode[]> {
    return (await ctx.services.models.children(await tenantManager(ctx), v.rowId)).map(presentVersion);
  }

  @FieldResolver(() => [ModelVersionNode], { description: 'Ancestors, parent first, up to the first version of the chain.' })
  async lineage(@Root() v: ModelVersionNode, @Ctx() ctx: Context): Promise<ModelVersionNode[]> {
    return (await ctx.services.models.lineage(await tenantManager(ctx), v.rowId)).map(presentVersion);
  }

  @FieldResolver(() => UserNode, { nullable: true, description: 'Who launched the run that produced it.' })
  async createdBy(@Root() v: ModelVersionNode, @Ctx() ctx: Context): Promise<UserNode | null> {
    if (!v.createdById) return null;
    const u = await ctx.loaders.user.load(v.createdById);
    return u ? presentUser(u) : null;
  }
}
