import { EntityManager, IsNull } from 'typeorm';
import { notFound } from '../../common/errors';
import { idOf } from '../../common/global-id';
import { Dataset } from '../../datasets/dataset.entity';
import { ModelVersion } from '../../models/model-version.entity';
import { Model } from '../../models/model.entity';
import { LOWER_IS_BETTER } from '../../training/training-run.repository';
import { Baseline } from './baseline.entity';

export interface Contender {
  kind: 'MODEL_VERSION' | 'BASELINE';
  label: string;
  version: ModelVersion | null;
  baseline: Baseline | null;
  value: number | null;
  rank: number | null;
  sameRows: boolean;
}

/**
 * A dataset's leaderboard: live model versions trained on its content (same sha256, so the same
 * deterministic test split) and its finished baselines, on one metric. Only contenders measured
 * on the whole test split are ranked; a sampled baseline is listed but not ranked.
 */
export async function compareOnDataset(m: EntityManager, datasetGlobalId: string, metric: string): Promise<{ contenders: Contender[] }> {
  const dataset = await m.findOneBy(Dataset, { id: idOf('Dataset', datasetGlobalId, 'datasetId') });
  if (!dataset) throw notFound('Dataset', 'datasetId');
  const versions = dataset.sha256 ? await m.find(ModelVersion, { where: { datasetSha256: dataset.sha256, deletedAt: IsNull() }, order: { createdAt: 'ASC' } }) : [];
  const models = new Map((await (versions.length ? m.findBy(Model, versions.map((v) => ({ id: v.modelId }))) : [])).map((x) => [x.id, x.name]));
  const baselines = await m.find(Baseline, { where: { datasetId: dataset.id, status: 'SUCCEEDED' }, order: { createdAt: 'ASC' } });
  const metricOf = (evaluation: unknown) => {
    const value = (evaluation as { metrics?: Record<string, number> } | null)?.metrics?.[metric];
    return typeof value === 'number' ? value : null;
  };
  const contenders: Contender[] = [
    ...versions.map((v) => ({ kind: 'MODEL_VERSION' as const, label: `${models.get(v.modelId) ?? 'model'} v${v.version}`, version: v, baseline: null, value: metricOf(v.evaluation), rank: null, sameRows: true })),
    ...baselines.map((b) => ({ kind: 'BASELINE' as const, label: `${b.model}, ${b.shots}-shot`, version: null, baseline: b, value: metricOf(b.evaluation), rank: null, sameRows: b.sampleSize === null })),
  ];
  const lower = LOWER_IS_BETTER.has(metric);
  const ranked = contenders.filter((c) => c.sameRows && c.value !== null).sort((x, y) => (lower ? x.value! - y.value! : y.value! - x.value!));
  ranked.forEach((c, i) => (c.rank = i + 1));
  return { contenders };
}
