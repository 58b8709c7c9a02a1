/**
 * Split files: one dataset from a file per split (like SageMaker channels). Each part is PUT to
 * its own single-use URL and validated by the usual ingest with every row in that part's split.
 * Its canonical rows are committed to a durable, tenant-namespaced part blob
 * (`tenants/<t>/datasets/<d>/parts/<split>.jsonl`), not left in a temporary blob: the temp-blob
 * sweep deletes those after 24 h, while the other files' URLs may live for days. The part that
 * completes the set joins them: the part blobs are streamed, in split order, through ingest once
 * more (canonical JSONL with its `split` key), which gives the dataset's one canonical blob, row
 * count, statistics, split counts and preview exactly as a single file would. One failing part
 * fails the dataset and deletes every part's blob.
 *
 * A part's key is recorded on its upload row when its PUT begins (`claimUpload`), before any
 * byte is stored, and cleared only after its blob is deleted, so a crash at any point leaves a
 * key that `deleteDataset` or the sweep finds. The parts' outcomes are recorded under a row lock
 * on the dataset, so when parts finish at the same time exactly one of them sees the set
 * complete and joins it, and a deletion cannot slip between a part's blob and its record.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { Logger } from 'pino';
import { EntityManager, In, IsNull, Not } from 'typeorm';
import { Database } from '../db/database';
import { BlobStore } from '../storage/blob-store';
import { DatasetUpload, PartResult } from './dataset-upload.entity';
import { Dataset } from './dataset.entity';
import { ingest, IngestResult, SplitName, TASK_FIELDS } from './ingest';

const JOIN_FAILED = 'the files could not be joined (internal error); upload them again';

export const SPLIT_ORDER: readonly SplitName[] = ['train', 'validation', 'test'];

/** What the PUT of one part answers besides the dataset. */
export interface PartOutcome {
  split: SplitName;
  status: 'RECEIVED' | 'FAILED';
  rowCount: number | null;
  byteSize: number;
  /** Splits whose files have not arrived yet. */
  waitingFor: SplitName[];
}

/**
 * The dataset's sha256 for split files: SHA-256 of the text `"<split> <hex sha256 of that file's
 * bytes as sent>\n"` for each part, in split order (train, validation, test). It changes when any
 * file's bytes change or a file moves to another split, like the hash of a single file.
 */
export function splitFilesSha256(parts: { split: SplitName; sha256: string }[]): string {
  const ordered = SPLIT_ORDER.flatMap((s) => parts.filter((p) => p.split === s));
  return createHash('sha256').update(ordered.map((p) => `${p.split} ${p.sha256}\n`).join('')).digest('hex');
}

/** The durable blob holding one received part's canonical rows until the parts are joined. */
export const partBlobKey = (tenantId: string, datasetId: string, split: SplitName) => `tenants/${tenantId}/datasets/${datasetId}/parts/${split}.jsonl`;

/** Where a split file stands, for `Dataset.files`: not in yet (or still streaming), validated, or refused. */
export type PartStatus = 'WAITING' | 'RECEIVED' | 'FAILED';

export function partStatus(u: DatasetUpload): PartStatus {
  if (u.finishedAt === null) return 'WAITING';
  return u.result && u.result.rowCount !== null ? 'RECEIVED' : 'FAILED';
}

/** The split-file uploads of these datasets, in split order, in one query (RLS keeps it to the caller's tenant). */
export async function partsOf(m: EntityManager, datasetIds: readonly string[]): Promise<Map<string, DatasetUpload[]>> {
  const rows = await m.find(DatasetUpload, { where: { datasetId: In([...datasetIds]), split: Not(IsNull()) } });
  rows.sort((x, y) => SPLIT_ORDER.indexOf(x.split!) - SPLIT_ORDER.indexOf(y.split!));
  const byDataset = new Map<string, DatasetUpload[]>(datasetIds.map((id) => [id, []]));
  for (const row of rows) byDataset.get(row.datasetId)?.push(row);
  return byDataset;
}

export class SplitFiles {
  constructor(
    private readonly db: Database,
    private readonly blobs: BlobStore,
    private readonly log: Logger,
    /** The dataset columns of an ingest outcome (the single-file rules, shared). */
    private readonly outcomeColumns: (r: IngestResult, key: string) => Partial<Dataset>,
    private readonly blobKey: (tenantId: string, datasetId: string) => string,
  ) {}

  /** Bytes this part may still take: the upload's allowance less the parts already in (quotas bind the sum). */
  async allowance(upload: DatasetUpload): Promise<number> {
    const [{ used }] = await this.db.withTenant({ tenantId: upload.tenantId }, (m) =>
      m.query(`SELECT coalesce(sum((result->>'byteSize')::bigint), 0)::float8 AS used FROM dataset_uploads WHERE dataset_id = $1 AND result IS NOT NULL`, [upload.datasetId]));
    return Math.max(1, upload.maxBytes - used);
  }

  /**
   * Records a validated (or failed) part whose canonical rows are in the temporary blob `tempKey`:
   * publishes them under the part's durable key, and joins the parts when it was the last one.
   * Returns the dataset as it now stands.
   */
  async partDone(upload: DatasetUpload, result: IngestResult, tempKey: string): Promise<{ dataset: Dataset; part: PartOutcome }> {
    const split = upload.split!;
    const scope = { tenantId: upload.tenantId };
    const key = partBlobKey(upload.tenantId, upload.datasetId, split);
    // Published before it is recorded: once recorded, another part may join it at once.
    if (result.ok) await this.blobs.commit(tempKey, key);
    else await this.blobs.delete(tempKey);
    const measured: PartResult = { byteSize: result.byteSize, sha256: result.sha256, rowCount: result.ok ? result.rowCount : null, columnMapping: result.columnMapping, hasHeader: result.hasHeader };
    const step = await this.db.withTenant(scope, async (m) => {
      const [dataset] = await m.query(`SELECT status FROM datasets WHERE id = $1 FOR UPDATE`, [upload.datasetId]);
      const parts = await m.find(DatasetUpload, { where: { datasetId: upload.datasetId } });
      // Another part failed first (or the dataset was deleted): this part's rows are not needed.
      if (!dataset || dataset.status === 'FAILED') {
        await m.update(DatasetUpload, { id: upload.id }, { finishedAt: new Date(), result: measured, partKey: null });
        return { join: false, discard: [key], parts };
      }
      if (!result.ok) {
        const discard = [key, ...parts.map((p) => p.partKey).filter((k): k is string => k !== null)];
        await m.update(DatasetUpload, { datasetId: upload.datasetId, partKey: Not(IsNull()) }, { partKey: null });
        await m.update(DatasetUpload, { id: upload.id }, { finishedAt: new Date(), result: measured });
        await m.update(Dataset, { id: upload.datasetId }, partFailure(split, result, this.outcomeColumns(result, '')) as Parameters<EntityManager['update']>[2]);
        return { join: false, discard, parts };
      }
      await m.update(DatasetUpload, { id: upload.id }, { finishedAt: new Date(), partKey: key, result: measured });
      const mine = parts.find((p) => p.id === upload.id)!;
      Object.assign(mine, { finishedAt: new Date(), partKey: key, result: measured });
      return { join: parts.every((p) => p.finishedAt !== null), discard: [], parts };
    });
    await Promise.all([...new Set(step.discard)].map((k) => this.blobs.delete(k)));
    if (step.join) await this.join(upload, step.parts);
    const dataset = await this.db.withTenant(scope, (m) => m.findOneBy(Dataset, { id: upload.datasetId }));
    const waitingFor = SPLIT_ORDER.filter((s) => step.parts.some((p) => p.split === s && p.finishedAt === null && p.id !== upload.id));
    return {
      dataset: dataset ?? Object.assign(new Dataset(), { id: upload.datasetId, status: 'FAILED', failureReason: 'the dataset was deleted' }),
      part: { split, status: result.ok ? 'RECEIVED' : 'FAILED', rowCount: result.ok ? result.rowCount : null, byteSize: result.byteSize, waitingFor: dataset?.status === 'FAILED' ? [] : waitingFor },
    };
  }

  /**
   * Streams the part blobs, in split order, through ingest into the dataset's blob; READY or
   * FAILED. The outcome is recorded before the part blobs are deleted and their keys cleared, so
   * a crash in between leaves keys the sweep deletes (it takes READY and FAILED datasets' parts).
   */
  private async join(upload: DatasetUpload, parts: DatasetUpload[]): Promise<void> {
    const scope = { tenantId: upload.tenantId };
    const ordered = SPLIT_ORDER.flatMap((s) => parts.filter((p) => p.split === s));
    const keys = ordered.map((p) => p.partKey!);
    const measured = ordered.map((p) => ({ split: p.split!, ...p.result! }));
    const byteSize = measured.reduce((sum, p) => sum + p.byteSize, 0);
    const dataset = await this.db.withTenant(scope, (m) => m.findOneBy(Dataset, { id: upload.datasetId }));
    if (!dataset) {
      await Promise.all(keys.map((k) => this.blobs.delete(k))); // deleted since the last part came in
      return;
    }
    const key = this.blobKey(upload.tenantId, dataset.id);
    const failed = (failureReason: string): Partial<Dataset> => ({ status: 'FAILED', byteSize, rowCount: null, blobKey: null, failureReason });
    let columns: Partial<Dataset>;
    if (byteSize > upload.maxBytes) {
      columns = failed(`the files are ${byteSize} bytes together; this dataset may take at most ${upload.maxBytes}`);
    } else {
      const temp = this.blobs.createTemp();
      try {
        const identity = Object.fromEntries(TASK_FIELDS[dataset.task].map((f) => [f.name, f.name]));
        const result = await ingest(Readable.from(this.concat(keys), { objectMode: false }), temp.stream, {
          task: dataset.task, format: 'JSONL', columns: identity, splitColumn: 'split', maxBytes: Number.MAX_SAFE_INTEGER, maxErrors: 10,
        });
        if (!temp.stream.writableFinished) await once(temp.stream, 'close');
        if (result.ok) await this.blobs.commit(temp.key, key);
        else this.log.error({ datasetId: dataset.id, fatal: result.fatal, errors: result.errors }, 'joining split files failed');
        columns = result.ok
          ? { ...this.outcomeColumns(result, key), byteSize, sha256: splitFilesSha256(measured), columnMapping: measured[0].columnMapping, hasHeader: measured[0].hasHeader }
          : failed(JOIN_FAILED);
      } catch (err) {
        temp.stream.destroy();
        this.log.error({ err, datasetId: dataset.id }, 'joining split files failed unexpectedly');
        columns = failed(JOIN_FAILED);
      }
      if (columns.status !== 'READY') await this.blobs.delete(temp.key);
    }
    const kept = await this.db.withTenant(scope, async (m) => {
      // Deleted while joining: deleteDataset did not know the joined blob.
      const [still] = await m.query(`SELECT id FROM datasets WHERE id = $1 FOR UPDATE`, [dataset.id]);
      if (still) await m.update(Dataset, { id: dataset.id }, columns as Parameters<EntityManager['update']>[2]);
      return !!still;
    });
    if (!kept && columns.status === 'READY') await this.blobs.delete(key);
    await Promise.all(keys.map((k) => this.blobs.delete(k)));
    await this.db.withTenant(scope, (m) => m.update(DatasetUpload, { id: In(ordered.map((p) => p.id)) }, { partKey: null }));
  }

  private async *concat(keys: string[]): AsyncGenerator<Buffer> {
    for (const key of keys) {
      for await (const chunk of await this.blobs.read(key)) yield chunk as Buffer;
    }
  }

  /** The part blobs of a dataset (received, or being received), to delete with it. */
  async partKeys(m: EntityManager, datasetId: string): Promise<string[]> {
    const parts = await m.find(DatasetUpload, { where: { datasetId, partKey: Not(IsNull()) } });
    return parts.map((p) => p.partKey!);
  }
}

/** A failed part fails the dataset: its reason and row errors name the part. */
function partFailure(split: SplitName, result: IngestResult, single: Partial<Dataset>): Partial<Dataset> {
  return {
    ...single,
    sha256: null,
    errors: result.errors.map((e) => ({ ...e, part: split, message: `${split} file, ${e.message}` })),
    failureReason: `the ${split} file failed: ${single.failureReason}`,
  };
}
