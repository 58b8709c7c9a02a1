import { Arg, Args, Authorized, Ctx, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { AppError, notFound, toPayload } from '../common/errors';
import { filter, pipe } from '@graphql-yoga/subscription';
import { idOf } from '../common/global-id';
import { PageArgs } from '../common/relay';
import { Dataset } from '../datasets/dataset.entity';
import { DatasetNode, DatasetTaskEnum, presentDataset } from '../datasets/dataset.types';
import { validateHyperparameters } from '../ml/hyperparameters';
import { getTask } from '../ml/registry';
import { ModelVersion } from '../models/model-version.entity';
import { Model } from '../models/model.entity';
import { ModelVersionNode, presentVersion } from '../models/model.types';
import { requireScopes } from '../server/auth-checker';
import { Context, principalOf, tenantManager } from '../server/context';
import { BASE_MODELS } from './base-models';
import { downsample } from './downsample';
import { TrainingRun } from './training-run.entity';
import { announcedCheckpoints, bestValidationValues, gpuSecondsByRun, listEvents, LOWER_IS_BETTER, metricSeries, validationByEpoch } from './training-run.repository';
import {
  BaseModel,
  LaunchRunInput,
  MetricPoint,
  MetricsArgs,
  MetricSeries,
  presentRun,
  RunCheckpoint,
  RunComparison,
  RunEventPage,
  RunFilterInput,
  RunPayload,
  TrainingRunConnection,
  TrainingRunNode,
} from './training-run.types';

/** Topics published from Postgres NOTIFY by RunNotifier. */
export const RUN_UPDATED = 'RUN_UPDATED';
export const RUN_METRICS = 'RUN_METRICS';

export interface RunNotice {
  tenantId: string;
  runId: string;
  kind: 'updated' | 'metrics';
  points?: { name: string; split: string; step: number; epoch: number; value: number }[];
}

@Resolver(() => TrainingRunNode)
export class TrainingRunResolver {
  @Authorized('runs:read')
  @Query(() => [BaseModel], { description: 'Presets a run can start from, with their default hyperparameters.' })
  baseModels(@Arg('task', () => DatasetTaskEnum, { nullable: true }) task: DatasetTaskEnum | null): BaseModel[] {
    return BASE_MODELS.filter((b) => !task || b.task === task).map((b) => {
      const { hp } = validateHyperparameters(getTask(b.task.toLowerCase()), b.hyperparameters, 10_000);
      return { name: b.name, task: b.task as DatasetTaskEnum, description: b.description, defaultHyperparameters: (hp ?? b.hyperparameters) as Record<string, unknown> };
    });
  }

  @Authorized('runs:write')
  @Mutation(() => RunPayload, { description: 'Validate and queue a fine-tuning run. The same idempotencyKey returns the same run.' })
  async launchRun(@Arg('input') input: LaunchRunInput, @Ctx() ctx: Context): Promise<RunPayload> {
    const m = await tenantManager(ctx);
    return toPayload(async () => {
      return { run: presentRun(await ctx.services.runs.launchRun(m, principalOf(ctx), input)) };
    }, { run: null });
  }

  @Authorized('runs:write')
  @Mutation(() => RunPayload, { description: 'Stop a run: its worker is stopped, GPU time stops counting, checkpoints and metrics stay.' })
  async cancelRun(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<RunPayload> {
    const m = await tenantManager(ctx);
    return toPayload(async () => ({ run: presentRun(await ctx.services.runs.cancelRun(m, id)) }), { run: null });
  }

  @Authorized('runs:read')
  @Query(() => TrainingRunConnection, { description: 'The tenant\'s runs, oldest first.' })
  async runs(@Args() page: PageArgs, @Arg('filter', () => RunFilterInput, { nullable: true }) filter: RunFilterInput | null, @Ctx() ctx: Context) {
    return ctx.services.runs.listRuns(await tenantManager(ctx), page, filter, presentRun);
  }

  @Authorized('runs:read')
  @Query(() => TrainingRunNode, { nullable: true, description: 'One run. Missing and foreign IDs are both NOT_FOUND.' })
  async run(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<TrainingRunNode> {
    return presentRun(await ctx.services.runs.getRun(await tenantManager(ctx), id));
  }

  @FieldResolver(() => String)
  async modelName(@Root() run: TrainingRunNode, @Ctx() ctx: Context): Promise<string> {
    return (await (await tenantManager(ctx)).findOneByOrFail(Model, { id: run.modelId })).name;
  }

  @FieldResolver(() => Float, { description: 'GPU-seconds counted by the API for all attempts (gpus × seconds RUNNING).' })
  async gpuSeconds(@Root() run: TrainingRunNode, @Ctx() ctx: Context): Promise<number> {
    return (await gpuSecondsByRun(await tenantManager(ctx), [run.rowId])).get(run.rowId) ?? 0;
  }

  @FieldResolver(() => DatasetNode, { nullable: true, description: 'Null once the dataset is deleted.' })
  async dataset(@Root() run: TrainingRunNode, @Ctx() ctx: Context): Promise<DatasetNode | null> {
    if (!run.datasetRowId) return null;
    const d = await (await tenantManager(ctx)).findOneBy(Dataset, { id: run.datasetRowId });
    return d ? presentDataset(d) : null;
  }

  @FieldResolver(() => ModelVersionNode, { nullable: true, description: 'The version this run produced, once it SUCCEEDED.' })
  async modelVersion(@Root() run: TrainingRunNode, @Ctx() ctx: Context): Promise<ModelVersionNode | null> {
    const v = await (await tenantManager(ctx)).findOneBy(ModelVersion, { runId: run.rowId });
    return v ? presentVersion(v) : null;
  }

  @FieldResolver(() => [MetricSeries], { description: 'Metric series by name and split, downsampled to maxPoints (min/max kept).' })
  async metrics(@Root() run: TrainingRunNode, @Args() args: MetricsArgs, @Ctx() ctx: Context): Promise<MetricSeries[]> {
    if (args.maxPoints < 2 || args.maxPoints > 10_000) throw new AppError('BAD_USER_INPUT', 'maxPoints must be between 2 and 10000', { field: 'maxPoints' });
    const rows = await metricSeries(await tenantManager(ctx), run.rowId, args.names ?? null, args.split ?? null);
    const series = new Map<string, MetricPoint[]>();
    for (const r of rows) {
      const list = series.get(r.key) ?? [];
      list.push({ name: r.name, split: r.split, step: r.step, epoch: r.epoch, value: r.value, at: r.at });
      series.set(r.key, list);
    }
    return [...series.values()].map((points) => ({ name: points[0].name, split: points[0].split, points: downsample(points, args.maxPoints) }));
  }

  @FieldResolver(() => RunEventPage, { description: 'Status changes and trainer messages, oldest first.' })
  async events(@Root() run: TrainingRunNode, @Arg('first', () => Int) first: number, @Arg('after', () => String, { nullable: true }) afterArg: string | null | undefined, @Ctx() ctx: Context): Promise<RunEventPage> {
    const after = afterArg ?? null;
    if (first < 1 || first > 100) throw new AppError('BAD_USER_INPUT', `first must be between 1 and 100 (got ${first})`, { field: 'first' });
    if (after !== null && !/^\d{1,18}$/.test(after)) throw new AppError('BAD_USER_INPUT', 'after is not a cursor returned by events', { field: 'after' });
    const rows = await listEvents(await tenantManager(ctx), run.rowId, first, after);
    const nodes = rows.slice(0, first);
    return { nodes, endCursor: nodes.at(-1)?.id ?? after, hasNextPage: rows.length > first };
  }

  @FieldResolver(() => [RunCheckpoint])
  async checkpoints(@Root() run: TrainingRunNode, @Ctx() ctx: Context): Promise<RunCheckpoint[]> {
    return announcedCheckpoints(await tenantManager(ctx), run.rowId);
  }

  @FieldResolver(() => RunCheckpoint, { nullable: true, description: 'The checkpoint whose epoch had the best validation value of `metric` (lower is better for loss, rmse, mae).' })
  async bestCheckpoint(@Root() run: TrainingRunNode, @Arg('metric') metric: string, @Ctx() ctx: Context): Promise<RunCheckpoint | null> {
    const m = await tenantManager(ctx);
    const [checkpoints, byEpoch] = await Promise.all([announcedCheckpoints(m, run.rowId), validationByEpoch(m, run.rowId, metric)]);
    const lower = LOWER_IS_BETTER.has(metric);
    let best: RunCheckpoint | null = null;
    let bestValue = 0;
    for (const c of checkpoints) {
      // A checkpoint after `epoch` full epochs holds the weights validated at the end of epoch index epoch - 1.
      const value = c.epoch === null ? undefined : byEpoch.get(c.epoch - 1);
      if (value === undefined) continue;
      if (!best || (lower ? value < bestValue : value > bestValue)) [best, bestValue] = [c, value];
    }
    return best;
  }

  @Authorized('runs:read')
  @Query(() => [RunComparison], { description: 'Runs side by side on one metric: test value, baseline, best validation value, rank.' })
  async compareRuns(@Arg('ids', () => [ID]) ids: string[], @Arg('metric') metric: string, @Ctx() ctx: Context): Promise<RunComparison[]> {
    if (ids.length < 1 || ids.length > 20) throw new AppError('BAD_USER_INPUT', 'ids must list 1 to 20 runs', { field: 'ids' });
    const m = await tenantManager(ctx);
    const runs = await Promise.all(ids.map((id) => ctx.services.runs.getRun(m, id)));
    const best = await bestValidationValues(m, runs.map((r) => r.id), metric);
    const lower = LOWER_IS_BETTER.has(metric);
    const rows = runs.map((r) => ({
      run: presentRun(r),
      test: r.evaluation?.metrics[metric] ?? null,
      baseline: r.evaluation?.baseline[metric] ?? null,
      bestValidation: best.get(r.id) ?? null,
      rank: null as number | null,
    }));
    const ranked = rows.filter((r) => r.test !== null).sort((x, y) => (lower ? x.test! - y.test! : y.test! - x.test!));
    ranked.forEach((r, i) => (r.rank = i + 1));
    return rows;
  }

  @Authorized('runs:read')
  @Subscription(() => TrainingRunNode, {
    subscribe: ({ args, context }) => followRun(context as Context, args.id as string, RUN_UPDATED),
    description: 'The run each time its status, progress or evaluation changes. A missing or foreign run is NOT_FOUND at once.',
  })
  async runUpdated(@Root() notice: RunNotice, @Arg('id', () => ID) _id: string, @Ctx() ctx: Context): Promise<TrainingRunNode> {
    const run = await ctx.services.db.withTenant({ tenantId: notice.tenantId }, (m) => m.findOneByOrFail(TrainingRun, { id: notice.runId }));
    return presentRun(run);
  }

  @Authorized('runs:read')
  @Subscription(() => MetricPoint, {
    subscribe: ({ args, context }) => followRun(context as Context, args.runId as string, RUN_METRICS),
    description: 'Each metric point as the trainer logs it. A missing or foreign run is NOT_FOUND at once.',
  })
  runMetricLogged(@Root() notice: RunNotice & { point: MetricPoint }, @Arg('runId', () => ID) _runId: string): MetricPoint {
    return { ...notice.point, at: null };
  }
}

/**
 * The notices of one run for a subscription: the run must be visible to the caller (row-level
 * security: another tenant's run is NOT_FOUND, like a missing one) when the subscription starts,
 * so a typo in the id fails at once instead of waiting forever for events that never come.
 */
async function followRun(ctx: Context, globalId: string, topic: typeof RUN_UPDATED | typeof RUN_METRICS): Promise<AsyncIterable<unknown>> {
  // `@Authorized` guards each event's resolver; the scope is checked here too, before anything is followed.
  requireScopes(ctx, ['runs:read']);
  const principal = principalOf(ctx);
  const runId = idOf('TrainingRun', globalId, topic === RUN_UPDATED ? 'id' : 'runId');
  const run = await ctx.services.db.withTenant({ tenantId: principal.tenantId, userId: principal.userId }, (m) => m.findOneBy(TrainingRun, { id: runId }));
  if (!run) throw notFound('TrainingRun', topic === RUN_UPDATED ? 'id' : 'runId');
  return pipe(
    ctx.services.pubSub.subscribe(topic) as AsyncIterable<RunNotice>,
    filter((notice: RunNotice) => notice.tenantId === principal.tenantId && notice.runId === runId),
  );
}

