import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toPayload } from '../../common/errors';
import { Dataset } from '../../datasets/dataset.entity';
import { DatasetNode, presentDataset } from '../../datasets/dataset.types';
import { presentVersion } from '../../models/model.types';
import { Context, principalOf, tenantManager } from '../../server/context';
import { registerNodeType } from '../../server/node.resolver';
import { Baseline } from './baseline.entity';
import { compareOnDataset } from './dataset-comparison';
import {
  BaselineNode,
  BaselinePayload,
  DatasetComparison,
  EvaluateBaselineInput,
  OpenAiSettingsPayload,
  OpenAiSettingsType,
  presentBaseline,
  presentKeyStatus,
  SetOpenAiApiKeyInput,
} from './openai.types';

registerNodeType('Baseline', { scope: 'runs:read', fetch: async (m, id) => { const b = await m.findOneBy(Baseline, { id }); return b && presentBaseline(b); } });

@Resolver(() => BaselineNode)
export class OpenAiResolver {
  @Authorized('admin')
  @Mutation(() => OpenAiSettingsPayload, { description: 'Set (or with null, remove) the tenant\'s OpenAI API key. Stored encrypted; never returned, only its last 4 characters.' })
  async setOpenAiApiKey(@Arg('input') input: SetOpenAiApiKeyInput, @Ctx() ctx: Context): Promise<OpenAiSettingsPayload> {
    const m = await tenantManager(ctx);
    const caller = principalOf(ctx);
    return toPayload(async () => ({ settings: presentKeyStatus(await ctx.services.openAi.setKey(m, caller.tenantId, caller.userId, input.apiKey)) }), { settings: null });
  }

  @Authorized('runs:read')
  @Query(() => OpenAiSettingsType, { description: 'Whether OpenAI calls have a key, and whose.' })
  async openAiSettings(@Ctx() ctx: Context): Promise<OpenAiSettingsType> {
    return presentKeyStatus(await ctx.services.openAi.keyStatus(await tenantManager(ctx), principalOf(ctx).tenantId));
  }

  @Authorized('runs:write')
  @Mutation(() => BaselinePayload, { description: 'Score a chat model, zero- or few-shot, on a dataset\'s test split. Returns at once (RUNNING); poll the baseline until SUCCEEDED or FAILED.' })
  async evaluateBaseline(@Arg('input') input: EvaluateBaselineInput, @Ctx() ctx: Context): Promise<BaselinePayload> {
    return toPayload(async () => ({ baseline: presentBaseline(await ctx.services.baselines.evaluateBaseline(principalOf(ctx), input)) }), { baseline: null });
  }

  @Authorized('runs:read')
  @Query(() => [BaselineNode], { description: 'Baselines evaluated on a dataset, oldest first.' })
  async baselines(@Arg('datasetId', () => ID) datasetId: string, @Ctx() ctx: Context): Promise<BaselineNode[]> {
    return (await ctx.services.baselines.listForDataset(await tenantManager(ctx), datasetId)).map(presentBaseline);
  }

  @Authorized('runs:read')
  @Query(() => BaselineNode, { nullable: true, description: 'One baseline. Missing and foreign IDs are both NOT_FOUND.' })
  async baseline(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<BaselineNode> {
    return presentBaseline(await ctx.services.baselines.getBaseline(await tenantManager(ctx), id));
  }

  @Authorized('runs:read', 'models:read')
  @Query(() => DatasetComparison, { description: 'Every model version trained on this dataset (same content) and every finished baseline on it, side by side on one test metric.' })
  async compareOnDataset(@Arg('datasetId', () => ID) datasetId: string, @Arg('metric') metric: string, @Ctx() ctx: Context): Promise<DatasetComparison> {
    const { contenders } = await compareOnDataset(await tenantManager(ctx), datasetId, metric);
    return {
      metric,
      contenders: contenders.map((c) => ({
        kind: c.kind,
        label: c.label,
        modelVersion: c.version ? presentVersion(c.version) : null,
        baseline: c.baseline ? presentBaseline(c.baseline) : null,
        value: c.value,
        rank: c.rank,
        sameRows: c.sameRows,
      })) as DatasetComparison['contenders'],
    };
  }

  @FieldResolver(() => DatasetNode, { nullable: true, description: 'Null once the dataset is deleted.' })
  async dataset(@Root() baseline: BaselineNode, @Ctx() ctx: Context): Promise<DatasetNode | null> {
    if (!baseline.datasetRowId) return null;
    const d = await (await tenantManager(ctx)).findOneBy(Dataset, { id: baseline.datasetRowId });
    return d ? presentDataset(d) : null;
  }
}
