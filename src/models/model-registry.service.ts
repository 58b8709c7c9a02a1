import { EntityManager, IsNull } from 'typeorm';
import { AppError, notFound, Problems } from '../common/errors';
import { idOf, toGlobalId } from '../common/global-id';
import { Page, PageArgs, paginate } from '../common/relay';
import type { DatasetTask } from '../datasets/ingest';
import { BlobStore } from '../storage/blob-store';
import type { TrainingRun } from '../training/training-run.entity';
import { LOWER_IS_BETTER } from '../training/training-run.repository';
import { Invalidations, notifyInvalidation } from '../db/invalidations';
import { ModelRefCache } from './model-ref-cache';
import { ModelAlias } from './model-alias.entity';
import { ModelVersion } from './model-version.entity';
import { Model } from './model.entity';

/** How a caller names a model version (the GraphQL `ModelRef`). */
export interface ModelRef {
  id?: string | null;
  versionId?: string | null;
  name?: string | null;
  alias?: string | null;
}

export interface ResolvedModel {
  model: Pick<Model, 'id' | 'name' | 'task'>;
  version: ModelVersion;
}

/** Aliases are names, never numbers (so `3` can never mean both version 3 and an alias). */
const ALIAS = /^[A-Za-z][A-Za-z0-9._-]{0,62}$/;
export const DEFAULT_ALIAS = 'production';
export const LATEST = 'latest';

/** Columns of `model_versions v` as the entity, for raw queries on the hot path. */
const VERSION_COLUMNS = `v.id, v.tenant_id, v.model_id, v.version, v.run_id, v.artifact_key, v.artifact_bytes, v.evaluation,
  v.dataset_sha256, v.parent_version_id, v.created_by, v.deleted_at, v.created_at, v.provider, v.provider_model`;

function versionFromRow(m: EntityManager, r: Record<string, unknown>): ModelVersion {
  return m.create(ModelVersion, {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    modelId: r.model_id as string,
    version: r.version as number,
    runId: r.run_id as string | null,
    artifactKey: r.artifact_key as string | null,
    provider: r.provider as ModelVersion['provider'],
    providerModel: r.provider_model as string | null,
    artifactBytes: r.artifact_bytes === null ? null : Number(r.artifact_bytes),
    evaluation: r.evaluation as Record<string, unknown> | null,
    datasetSha256: r.dataset_sha256 as string | null,
    parentVersionId: r.parent_version_id as string | null,
    createdBy: r.created_by as string | null,
    deletedAt: r.deleted_at as Date | null,
    createdAt: r.created_at as Date,
  });
}

/**
 * The model registry's rules: models, their versions (soft-deleted, so lineage survives) and
 * aliases. Every method takes the request's tenant-scoped manager: row-level security keeps other
 * tenants' models invisible, and a foreign ID is NOT_FOUND like a missing one.
 */
export class ModelRegistryService {
  private readonly refCache: ModelRefCache;

  constructor(
    private readonly blobs: BlobStore,
    private readonly options: {
      onVersionDeleted?: (versionId: string) => void;
      /** How long a resolved `ModelRef` is reused without asking Postgres (0: never). */
      refCacheMs?: number;
      invalidations?: Invalidations;
    } = {},
  ) {
    this.refCache = new ModelRefCache(options.refCacheMs ?? 0);
    options.invalidations?.on('model-refs', (tenantId) => this.refCache.invalidate(tenantId));
  }

  /**
   * `resolve` for the serving path: answered from the per-tenant cache when it can, so a warm
   * invocation opens no transaction; `manager` (the request's, RLS-scoped) runs the query on a miss.
   */
  resolveCached(tenantId: string, manager: () => Promise<EntityManager>, ref: ModelRef, field = 'model'): Promise<ResolvedModel> {
    return this.refCache.resolve(tenantId, ref, async () => this.resolve(await manager(), ref, field));
  }

  /**
   * What `ModelRef`s of the tenant resolve to may have changed (an alias moved, a version was added
   * or deleted): drop cached resolutions here now and on every replica when `m` commits.
   */
  async refsChanged(m: EntityManager, tenantId: string): Promise<void> {
    if (this.options.invalidations) await this.options.invalidations.publish(m, 'model-refs', tenantId);
    else this.refCache.invalidate(tenantId);
  }

  listModels<T>(m: EntityManager, args: PageArgs, filter: { task?: string | null; name?: string | null } | null | undefined, present: (x: Model) => T): Promise<Page<T>> {
    const qb = m.createQueryBuilder(Model, 'm');
    if (filter?.task) qb.andWhere('m.task = :task', { task: filter.task });
    if (filter?.name) qb.andWhere('m.name = :name', { name: filter.name });
    return paginate(qb, args, present);
  }

  async getModel(m: EntityManager, globalId: string, field: string | string[] = 'id'): Promise<Model> {
    const model = await m.findOneBy(Model, { id: idOf('Model', globalId, field) });
    if (!model) throw notFound('Model', field);
    return model;
  }

  listVersions<T>(m: EntityManager, modelId: string, args: PageArgs, includeDeleted: boolean, present: (v: ModelVersion) => T): Promise<Page<T>> {
    const qb = m.createQueryBuilder(ModelVersion, 'v').where('v.model_id = :modelId', { modelId });
    if (!includeDeleted) qb.andWhere('v.deleted_at IS NULL');
    return paginate(qb, args, present);
  }

  latestVersion(m: EntityManager, modelId: string): Promise<ModelVersion | null> {
    return m.findOne(ModelVersion, { where: { modelId, deletedAt: IsNull() }, order: { version: 'DESC' } });
  }

  aliases(m: EntityManager, modelId: string): Promise<ModelAlias[]> {
    return m.find(ModelAlias, { where: { modelId }, order: { alias: 'ASC' } });
  }

  async aliasNamesOf(m: EntityManager, versionId: string): Promise<string[]> {
    return (await m.find(ModelAlias, { where: { versionId }, order: { alias: 'ASC' } })).map((a) => a.alias);
  }

  async getVersion(m: EntityManager, globalId: string, field: string | string[] = 'id'): Promise<ModelVersion> {
    const version = await m.findOneBy(ModelVersion, { id: idOf('ModelVersion', globalId, field) });
    if (!version) throw notFound('ModelVersion', field);
    return version;
  }

  /**
   * Resolves a `ModelRef` to one live version in one query: `{versionId}` exactly; `{id | name,
   * alias}` through the alias; without an alias `production` when set, else the newest version.
   */
  async resolve(m: EntityManager, ref: ModelRef, field = 'model'): Promise<ResolvedModel> {
    const given = (['id', 'versionId', 'name'] as const).filter((k) => ref[k] !== undefined && ref[k] !== null);
    if (given.length !== 1) {
      throw new AppError('BAD_USER_INPUT', 'name the model with exactly one of id, versionId or name', { field });
    }
    if (ref.versionId && ref.alias) throw new AppError('BAD_USER_INPUT', 'alias applies to id or name, not to versionId', { field: [field, 'alias'] });
    if (ref.versionId) {
      const rows: Record<string, unknown>[] = await m.query(
        `SELECT ${VERSION_COLUMNS}, mo.name, mo.task FROM model_versions v JOIN models mo ON mo.id = v.model_id WHERE v.id = $1`,
        [idOf('ModelVersion', ref.versionId, [field, 'versionId'])],
      );
      const row = rows[0];
      if (!row) throw notFound('ModelVersion', [field, 'versionId']);
      if (row.deleted_at) throw new AppError('NOT_FOUND', `version ${String(row.version)} of model "${String(row.name)}" was deleted`, { field: [field, 'versionId'] });
      return { model: { id: row.model_id as string, name: row.name as string, task: row.task as DatasetTask }, version: versionFromRow(m, row) };
    }
    const alias = ref.alias ?? null;
    if (alias !== null && alias !== LATEST && !ALIAS.test(alias)) throw new AppError('BAD_USER_INPUT', `"${alias}" is not an alias name`, { field: [field, 'alias'] });
    const byName = ref.name !== undefined && ref.name !== null;
    const key = byName ? ref.name! : idOf('Model', ref.id!, [field, 'id']);
    // Explicit alias: only that alias (or latest). No alias: production, else the newest version.
    const lookFor = alias ?? DEFAULT_ALIAS;
    const fallBackToLatest = alias === null || alias === LATEST;
    const rows: Record<string, unknown>[] = await m.query(
      `SELECT mo.id AS mid, mo.name, mo.task, ${VERSION_COLUMNS}
         FROM models mo
         LEFT JOIN model_aliases a ON a.model_id = mo.id AND a.alias = $2
         LEFT JOIN LATERAL (
           SELECT * FROM model_versions v
            WHERE v.model_id = mo.id AND v.deleted_at IS NULL AND (v.id = a.version_id OR (a.version_id IS NULL AND $3))
            ORDER BY v.version DESC LIMIT 1) v ON true
        WHERE ${byName ? 'mo.name = $1' : 'mo.id = $1'}`,
      [key, lookFor, fallBackToLatest],
    );
    const row = rows[0];
    const where = [field, byName ? 'name' : 'id'];
    if (!row) throw notFound('Model', where);
    if (!row.id) {
      if (!fallBackToLatest) throw new AppError('NOT_FOUND', `model "${String(row.name)}" has no alias "${alias}"`, { field: [field, 'alias'] });
      throw new AppError('NOT_FOUND', `model "${String(row.name)}" has no versions yet: a run must succeed first`, { field: where });
    }
    return { model: { id: row.mid as string, name: row.name as string, task: row.task as DatasetTask }, version: versionFromRow(m, row) };
  }

  /**
   * Points `alias` at a version of the same model, atomically (one upsert; concurrent moves end
   * with one winner, never a torn state). Returns the alias and the version it pointed to before.
   */
  async setAlias(m: EntityManager, userId: string | null, modelGlobalId: string, alias: string, versionGlobalId: string): Promise<{ alias: ModelAlias; previous: ModelVersion | null }> {
    const problems = new Problems();
    if (alias === LATEST) problems.add('alias', '"latest" always means the newest version and cannot be set', 'RESERVED_ALIAS');
    else if (!ALIAS.test(alias)) problems.add('alias', 'an alias starts with a letter and has at most 63 letters, digits, ".", "_" or "-"', 'INVALID_ALIAS');
    problems.throwIfAny();
    const model = await this.getModel(m, modelGlobalId, 'modelId');
    const versionId = idOf('ModelVersion', versionGlobalId, 'versionId');
    // FOR SHARE: a concurrent deleteModelVersion (FOR UPDATE) waits, then sees this alias.
    const [version]: Record<string, unknown>[] = await m.query(`SELECT ${VERSION_COLUMNS} FROM model_versions v WHERE v.id = $1 AND v.deleted_at IS NULL FOR SHARE`, [versionId]);
    if (!version) throw notFound('ModelVersion', 'versionId');
    if (version.model_id !== model.id) {
      throw new AppError('BAD_USER_INPUT', `that version belongs to another model; an alias of "${model.name}" must point to one of its own versions`, { field: 'versionId' });
    }
    // Row lock on the alias (when it exists) so concurrent moves queue; the upsert covers a new alias.
    const [old]: { version_id: string }[] = await m.query(`SELECT version_id FROM model_aliases WHERE model_id = $1 AND alias = $2 FOR UPDATE`, [model.id, alias]);
    await m.query(
      `INSERT INTO model_aliases (tenant_id, model_id, alias, version_id, updated_by, updated_at)
       VALUES ($3, $1, $2, $4, $5, now())
       ON CONFLICT (model_id, alias) DO UPDATE SET version_id = EXCLUDED.version_id, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
      [model.id, alias, model.tenantId, versionId, userId],
    );
    await this.refsChanged(m, model.tenantId);
    const saved = await m.findOneByOrFail(ModelAlias, { modelId: model.id, alias });
    const previousId = old?.version_id ?? null;
    const previous = previousId && previousId !== versionId ? await m.findOneBy(ModelVersion, { id: previousId }) : null;
    return { alias: saved, previous };
  }

  async deleteAlias(m: EntityManager, modelGlobalId: string, alias: string): Promise<string> {
    const model = await this.getModel(m, modelGlobalId, 'modelId');
    const result = await m.delete(ModelAlias, { modelId: model.id, alias });
    if (!result.affected) throw new AppError('NOT_FOUND', `model "${model.name}" has no alias "${alias}"`, { field: 'alias' });
    await this.refsChanged(m, model.tenantId);
    return alias;
  }

  /**
   * Soft-deletes a version and removes its artifact. CONFLICT while an alias points to it or a
   * queued or running run fine-tunes from it; the row stays so lineage and run history read on.
   */
  async deleteVersion(m: EntityManager, globalId: string): Promise<ModelVersion> {
    const id = idOf('ModelVersion', globalId);
    const [row]: Record<string, unknown>[] = await m.query(`SELECT ${VERSION_COLUMNS} FROM model_versions v WHERE v.id = $1 AND v.deleted_at IS NULL FOR UPDATE`, [id]);
    if (!row) throw notFound('ModelVersion');
    const version = versionFromRow(m, row);
    const aliases = await this.aliasNamesOf(m, id);
    if (aliases.length) {
      throw new AppError('CONFLICT', `alias${aliases.length === 1 ? '' : 'es'} ${aliases.map((a) => `"${a}"`).join(', ')} point${aliases.length === 1 ? 's' : ''} to this version: move or delete ${aliases.length === 1 ? 'it' : 'them'} first`, {
        field: 'id',
        extensions: { aliases },
      });
    }
    const runs: { id: string }[] = await m.query(`SELECT id FROM training_runs WHERE parent_version_id = $1 AND status IN ('QUEUED', 'PROVISIONING', 'RUNNING')`, [id]);
    if (runs.length) {
      const ids = runs.map((r) => toGlobalId('TrainingRun', r.id));
      throw new AppError('CONFLICT', `${ids.length} queued or running run${ids.length === 1 ? '' : 's'} fine-tune${ids.length === 1 ? 's' : ''} from this version: ${ids.join(', ')}`, { field: 'id', extensions: { runIds: ids } });
    }
    version.deletedAt = new Date();
    await m.update(ModelVersion, { id }, { deletedAt: version.deletedAt });
    await this.refsChanged(m, version.tenantId);
    if (version.artifactKey) await this.blobs.delete(version.artifactKey);
    this.options.onVersionDeleted?.(id);
    return version;
  }

  /** The version's ancestors, parent first, up to the root (a chain of warm starts). */
  async lineage(m: EntityManager, versionId: string): Promise<ModelVersion[]> {
    const rows: Record<string, unknown>[] = await m.query(
      `WITH RECURSIVE up(id, depth) AS (
         SELECT parent_version_id, 1 FROM model_versions WHERE id = $1 AND parent_version_id IS NOT NULL
         UNION ALL
         SELECT p.parent_version_id, up.depth + 1 FROM up JOIN model_versions p ON p.id = up.id WHERE p.parent_version_id IS NOT NULL AND up.depth < 100)
       SELECT ${VERSION_COLUMNS} FROM up JOIN model_versions v ON v.id = up.id ORDER BY up.depth`,
      [versionId],
    );
    return rows.map((r) => versionFromRow(m, r));
  }

  children(m: EntityManager, versionId: string): Promise<ModelVersion[]> {
    return m.find(ModelVersion, { where: { parentVersionId: versionId }, order: { createdAt: 'ASC' } });
  }

  /** Versions by global ID (any models of the tenant, deleted ones too), in the order asked. */
  async versionsByIds(m: EntityManager, globalIds: string[]): Promise<ModelVersion[]> {
    return Promise.all(globalIds.map((g, i) => this.getVersion(m, g, ['ids', String(i)])));
  }
}

/** What a succeeded run registers: an artifact of ours, or a provider's hosted model. */
export interface NewVersion {
  run: Pick<TrainingRun, 'id' | 'tenantId' | 'modelId' | 'createdBy' | 'datasetSha256' | 'parentVersionId'>;
  evaluation: Record<string, unknown> | null;
  artifact?: { key: string; bytes: number };
  provider?: { name: 'openai'; model: string };
}

/**
 * Registers a run's version in the caller's transaction (the one that succeeds the run): the
 * model's next number, taken under the model's row lock so runs finishing together never collide.
 */
export async function createVersion(m: EntityManager, input: NewVersion): Promise<ModelVersion> {
  const { run } = input;
  await m.query(`SELECT 1 FROM models WHERE id = $1 FOR UPDATE`, [run.modelId]);
  const [{ next }]: { next: number }[] = await m.query(`SELECT coalesce(max(version), 0) + 1 AS next FROM model_versions WHERE model_id = $1`, [run.modelId]);
  const version = m.create(ModelVersion, {
    tenantId: run.tenantId,
    modelId: run.modelId,
    version: next,
    runId: run.id,
    artifactKey: input.artifact?.key ?? null,
    artifactBytes: input.artifact?.bytes ?? null,
    provider: input.provider?.name ?? 'local',
    providerModel: input.provider?.model ?? null,
    createdBy: run.createdBy,
    evaluation: input.evaluation,
    datasetSha256: run.datasetSha256,
    parentVersionId: run.parentVersionId,
  });
  const saved = await m.save(version);
  // `latest` (and a ref without alias) now means this version, on every replica once this commits.
  await notifyInvalidation(m, 'model-refs', run.tenantId);
  return saved;
}

export interface VersionMetrics {
  version: ModelVersion;
  metrics: { name: string; value: number | null; baseline: number | null; rank: number | null }[];
}

/**
 * Test metrics of versions side by side, each measured on its own dataset's test split: every
 * metric any of them has, ranked (1 = best; lower is better for losses and errors).
 */
export function compareVersions(versions: ModelVersion[]): { versions: VersionMetrics[]; sameDataset: boolean } {
  const evalOf = (v: ModelVersion) => (v.evaluation ?? {}) as { metrics?: Record<string, number>; baseline?: Record<string, number> };
  const names = [...new Set(versions.flatMap((v) => Object.keys(evalOf(v).metrics ?? {})))].sort();
  const rows: VersionMetrics[] = versions.map((v) => ({
    version: v,
    metrics: names.map((name) => ({ name, value: evalOf(v).metrics?.[name] ?? null, baseline: evalOf(v).baseline?.[name] ?? null, rank: null })),
  }));
  names.forEach((name, k) => {
    const lower = LOWER_IS_BETTER.has(name);
    const ranked = rows.filter((r) => r.metrics[k].value !== null).sort((a, b) => (lower ? a.metrics[k].value! - b.metrics[k].value! : b.metrics[k].value! - a.metrics[k].value!));
    ranked.forEach((r, i) => (r.metrics[k].rank = i + 1));
  });
  const hashes = new Set(versions.map((v) => v.datasetSha256));
  return { versions: rows, sameDataset: hashes.size === 1 && !hashes.has(null) };
}
