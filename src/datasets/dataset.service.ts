import { once } from 'node:events';
import { Readable } from 'node:stream';
import { Logger } from 'pino';
import { EntityManager } from 'typeorm';
import { Principal } from '../auth/principal';
import { randomToken, safeEqualHex, sha256 } from '../auth/secrets';
import { AppError, notFound, Problems } from '../common/errors';
import { idOf, toGlobalId } from '../common/global-id';
import { Page, PageArgs, paginate } from '../common/relay';
import { Database } from '../db/database';
import { BlobStore } from '../storage/blob-store';
import { DatasetUpload } from './dataset-upload.entity';
import { Dataset, DatasetStatus } from './dataset.entity';
import { quotaExceeded, UploadRefused } from './dataset.errors';
import { DatasetFormat, DatasetTask, ingest, ingestInWorker, IngestOptions, IngestResult, SplitName } from './ingest';
import { partBlobKey, PartOutcome, SPLIT_ORDER, SplitFiles } from './split-files';

export interface DatasetLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  maxDatasets: number;
  uploadTtlSeconds: number;
  /** Uploads with a Content-Length of at least this are parsed on a worker thread (`ingestInWorker`); null: never. */
  ingestWorkerMinBytes: number | null;
}

export interface DatasetOptions {
  encoding?: 'utf-8' | 'latin1' | 'windows-1252';
  delimiter?: string;
  hasHeader?: boolean;
  columns?: Record<string, string>;
  splits?: { train: number; validation: number; test: number };
  seed?: number;
  /** The user's split per row: a header name or 0-based index (CSV/TSV), a key (JSONL). */
  splitColumn?: string;
}

export interface CreateDatasetUploadInput {
  name: string;
  task: DatasetTask;
  format: DatasetFormat;
  byteSize?: number | null;
  contentType?: string | null;
  options?: DatasetOptions | null;
  /** One file per split instead of one file: the splits to expect (train and test required). */
  splitFiles?: SplitName[] | null;
}

export interface DatasetFilter {
  task?: DatasetTask | null;
  status?: DatasetStatus | null;
}

/** What the PUT of an upload answers: the dataset as it ended, and the HTTP status to send. */
export interface UploadOutcome {
  /** 202: a split file was accepted and the dataset waits for the others. */
  status: 200 | 202 | 413 | 422;
  dataset: Dataset;
  /** For one file of a split-file dataset: how that file fared. */
  part?: PartOutcome;
}

/** One upload permission and its token (shown once: it is part of the URL). */
export interface IssuedUpload { upload: DatasetUpload; token: string }

const ENCODINGS = ['utf-8', 'latin1', 'windows-1252'];
const MAX_ERRORS_KEPT = 100;

/** The blob holding a dataset's canonical rows (one JSON object per line, with its split). */
export const datasetBlobKey = (tenantId: string, datasetId: string) => `tenants/${tenantId}/datasets/${datasetId}/rows.jsonl`;

/**
 * Datasets: staged uploads (a single-use URL, then a streamed PUT validated in one pass into a
 * temporary blob), their lifecycle UPLOADING → PROCESSING → READY | FAILED, listing and deletion.
 */
export class DatasetService {
  /** Ids of active runs reading a dataset; the training feature sets it (datasets do not import training). */
  inUse: (m: EntityManager, datasetId: string) => Promise<string[]> = async () => [];
  /** The tenant's plan's storage allowance (billing sets it); the tighter of it and DATASET_MAX_TOTAL_BYTES applies. */
  storageLimit: (m: EntityManager, tenantId: string) => Promise<{ bytes: number; plan: string } | null> = async () => null;

  private readonly splitFiles: SplitFiles;

  constructor(
    private readonly db: Database,
    private readonly blobs: BlobStore,
    private readonly limits: DatasetLimits,
    private readonly log: Logger,
  ) {
    this.splitFiles = new SplitFiles(db, blobs, log, (r, key) => this.outcomeColumns(r, key), datasetBlobKey);
  }

  /**
   * Creates the dataset (UPLOADING) and a single-use upload permission (one per split with
   * `splitFiles`) after checking the input and the tenant's quotas, which bind the files' sum.
   * Returns each upload's token, shown once (it is part of the URL).
   */
  async createDatasetUpload(m: EntityManager, caller: Principal, input: CreateDatasetUploadInput): Promise<{ dataset: Dataset; uploads: IssuedUpload[] }> {
    const problems = new Problems();
    const name = input.name.trim();
    if (name.length < 1 || name.length > 200) problems.add('name', 'name must be 1 to 200 characters');
    if (input.byteSize != null && (!Number.isInteger(input.byteSize) || input.byteSize < 1)) problems.add('byteSize', 'byteSize must be a positive integer');
    this.checkOptions(problems, input.options ?? {});
    const splitFiles = input.splitFiles ?? null;
    if (splitFiles) checkSplitFiles(problems, splitFiles, input.options ?? {});
    problems.throwIfAny();

    const [{ count, used }] = await m.query(`SELECT count(*)::int AS count, coalesce(sum(byte_size), 0)::float8 AS used FROM datasets WHERE status <> 'FAILED'`);
    if (count >= this.limits.maxDatasets) {
      throw quotaExceeded('name', `dataset limit reached: ${count} of ${this.limits.maxDatasets} datasets; delete one first`);
    }
    const plan = await this.storageLimit(m, caller.tenantId);
    const maxTotal = plan ? Math.min(plan.bytes, this.limits.maxTotalBytes) : this.limits.maxTotalBytes;
    const room = Math.min(this.limits.maxFileBytes, maxTotal - used);
    if (input.byteSize != null && input.byteSize > this.limits.maxFileBytes) {
      throw quotaExceeded('byteSize', `file is ${input.byteSize} bytes; the largest accepted is ${this.limits.maxFileBytes}`);
    }
    if (room <= 0 || (input.byteSize != null && input.byteSize > room)) {
      const of = plan && plan.bytes <= this.limits.maxTotalBytes ? `${maxTotal} bytes allowed by the ${plan.plan} plan` : `${maxTotal} bytes`;
      throw quotaExceeded('byteSize', `dataset storage is full: ${used} of ${of} used${input.byteSize != null ? `, and this file is ${input.byteSize} bytes` : ''}`);
    }

    const dataset = m.create(Dataset, {
      tenantId: caller.tenantId,
      name,
      task: input.task,
      format: input.format,
      status: 'UPLOADING',
      options: { ...(input.options ?? {}), ...(splitFiles ? { splitFiles: SPLIT_ORDER.filter((s) => splitFiles.includes(s)) } : {}) },
      byteSize: null,
      errors: [],
      errorCount: 0,
      createdBy: caller.userId,
    });
    await m.save(dataset);
    const uploads: IssuedUpload[] = [];
    for (const split of splitFiles ? SPLIT_ORDER.filter((s) => splitFiles.includes(s)) : [null]) {
      const token = randomToken();
      const upload = m.create(DatasetUpload, {
        tenantId: caller.tenantId,
        datasetId: dataset.id,
        tokenHash: sha256(token),
        maxBytes: Math.floor(room),
        expiresAt: new Date(Date.now() + this.limits.uploadTtlSeconds * 1000),
        usedAt: null,
        split,
      });
      await m.save(upload);
      uploads.push({ upload, token });
    }
    return { dataset, uploads };
  }

  private checkOptions(problems: Problems, o: DatasetOptions): void {
    const at = (f: string) => ['options', f];
    if (o.encoding !== undefined && !ENCODINGS.includes(o.encoding)) problems.add(at('encoding'), `encoding must be one of ${ENCODINGS.join(', ')}`);
    if (o.delimiter !== undefined && [...o.delimiter].length !== 1) problems.add(at('delimiter'), 'delimiter must be exactly one character');
    if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) problems.add(at('seed'), 'seed must be an integer');
    if (o.splits) {
      const { train, validation, test } = o.splits;
      if ([train, validation, test].some((x) => !(x >= 0 && x <= 1))) problems.add(at('splits'), 'each split ratio must be between 0 and 1');
      else if (Math.abs(train + validation + test - 1) > 1e-9) problems.add(at('splits'), `split ratios must sum to 1 (got ${train + validation + test})`);
      else if (train === 0) problems.add(at('splits'), 'the train split cannot be empty');
    }
    if (o.splitColumn !== undefined) {
      if (typeof o.splitColumn !== 'string' || o.splitColumn.trim() === '') problems.add(at('splitColumn'), 'splitColumn must be a column name, a 0-based index or a JSONL key');
      if (o.splits) problems.add(at('splitColumn'), 'options.splitColumn and options.splits cannot be combined: the split column decides every row\'s split, so ratios do not apply');
      else if (o.seed !== undefined) problems.add(at('splitColumn'), 'options.splitColumn and options.seed cannot be combined: the split column decides every row\'s split');
    }
    if (o.columns && (typeof o.columns !== 'object' || Array.isArray(o.columns) || Object.values(o.columns).some((v) => typeof v !== 'string'))) {
      problems.add(at('columns'), 'columns must map field names to source column names or 0-based indexes, e.g. {"userId": "user"}');
    }
  }

  /**
   * Receives the bytes of an upload: checks the token (single use, before expiry, and of the
   * caller's tenant when one is signed in), streams the body through validation into a temporary
   * blob, then publishes it and marks the dataset READY, or deletes it and marks it FAILED with
   * the row errors. Never buffers the body.
   */
  async receiveUpload(uploadId: string, token: string, body: Readable, opts: { gzip?: boolean; callerTenantId?: string | null; contentLength?: number | null }): Promise<UploadOutcome> {
    const upload = await this.claimUpload(uploadId, token, opts.callerTenantId ?? null);
    const scope = { tenantId: upload.tenantId };
    const dataset = await this.db.withTenant(scope, async (m) => {
      // A split file's dataset stays PROCESSING from its first file to its last.
      await m.update(Dataset, upload.split ? { id: upload.datasetId, status: 'UPLOADING' } : { id: upload.datasetId }, { status: 'PROCESSING' });
      return m.findOneByOrFail(Dataset, { id: upload.datasetId });
    });
    const o = dataset.options as DatasetOptions;
    const options: IngestOptions = {
      encoding: o.encoding, delimiter: o.delimiter, hasHeader: o.hasHeader, columns: o.columns, splitColumn: o.splitColumn,
      // A split file's part is joined by ingesting it again as JSONL, so only single files are compact.
      ...(upload.split ? { split: upload.split } : { splits: o.splits, seed: o.seed, compactRows: true }),
      task: dataset.task,
      format: dataset.format,
      maxBytes: upload.split ? await this.splitFiles.allowance(upload) : upload.maxBytes,
      maxErrors: MAX_ERRORS_KEPT,
      // The request body's chunks are ours alone: freeing each once read keeps large uploads clear of full GCs.
      releaseChunks: true,
      ...(opts.gzip ? { gzip: true } : {}),
    };

    const temp = this.blobs.createTemp();
    let result: IngestResult;
    try {
      const min = this.limits.ingestWorkerMinBytes;
      const threaded = min !== null && opts.contentLength != null && opts.contentLength >= min;
      result = await (threaded ? ingestInWorker : ingest)(body, temp.stream, options);
      if (!temp.stream.writableEnded) temp.stream.end();
      if (!temp.stream.writableFinished) await once(temp.stream, 'close');
    } catch (err) {
      temp.stream.destroy();
      await this.blobs.delete(temp.key);
      this.log.error({ err, datasetId: dataset.id }, 'ingest failed unexpectedly');
      await this.db.withTenant(scope, (m) => m.update(Dataset, { id: dataset.id }, { status: 'FAILED', failureReason: 'the file could not be processed (internal error); try again' }));
      throw err;
    }

    const tooLarge = result.fatal?.code === 'TOO_LARGE';
    if (upload.split) {
      const { dataset: now, part } = await this.splitFiles.partDone(upload, result, temp.key);
      return { status: tooLarge ? 413 : now.status === 'FAILED' ? 422 : now.status === 'READY' ? 200 : 202, dataset: now, part };
    }
    const key = datasetBlobKey(upload.tenantId, dataset.id);
    if (result.ok) await this.blobs.commit(temp.key, key);
    else await this.blobs.delete(temp.key);
    const updated = await this.db.withTenant(scope, async (m) => {
      await m.update(Dataset, { id: dataset.id }, this.outcomeColumns(result, key) as Parameters<EntityManager['update']>[2]);
      return m.findOneByOrFail(Dataset, { id: dataset.id });
    });
    const status = result.ok ? 200 : tooLarge ? 413 : 422;
    return { status, dataset: updated };
  }

  private outcomeColumns(r: IngestResult, key: string): Partial<Dataset> {
    const common = { byteSize: r.byteSize, sha256: r.sha256, errors: r.errors, errorCount: r.errorCount, hasHeader: r.hasHeader, columnMapping: r.columnMapping };
    if (r.ok) {
      return { ...common, status: 'READY', rowCount: r.rowCount, stats: r.stats, splitCounts: r.splitCounts, preview: r.preview, blobKey: key, readyAt: new Date(), failureReason: null };
    }
    const reason = r.fatal
      ? r.fatal.message
      : r.errorCount
        ? `${r.errorCount} row${r.errorCount === 1 ? '' : 's'} failed validation; the first is on line ${r.errors[0]?.line}: ${r.errors[0]?.message}`
        : 'the file holds no valid row';
    return { ...common, status: 'FAILED', rowCount: null, blobKey: null, failureReason: reason };
  }

  /** Marks an upload used, atomically, so two PUTs of one URL cannot both proceed. */
  private async claimUpload(uploadId: string, token: string, callerTenantId: string | null): Promise<DatasetUpload> {
    return this.db.system(async (m) => {
      const upload = await m.createQueryBuilder(DatasetUpload, 'u').setLock('pessimistic_write').where('u.id = :id', { id: uploadId }).getOne();
      if (!upload || !safeEqualHex(upload.tokenHash, sha256(token)) || (callerTenantId && callerTenantId !== upload.tenantId)) {
        throw new UploadRefused(404, 'NOT_FOUND', 'upload not found');
      }
      if (upload.usedAt) throw new UploadRefused(410, 'UPLOAD_USED', 'this upload URL has already been used: create a new upload');
      if (upload.expiresAt.getTime() <= Date.now()) throw new UploadRefused(410, 'UPLOAD_EXPIRED', 'this upload URL has expired: create a new upload');
      if (upload.split) {
        const [dataset] = await m.query(`SELECT status, failure_reason FROM datasets WHERE id = $1`, [upload.datasetId]);
        if (dataset?.status === 'FAILED') throw new UploadRefused(409, 'DATASET_FAILED', `the dataset already failed (${dataset.failure_reason}): create a new upload`);
      }
      // A part's durable key is recorded before any byte is stored, so no crash can hide its blob.
      const partKey = upload.split ? partBlobKey(upload.tenantId, upload.datasetId, upload.split) : null;
      await m.update(DatasetUpload, { id: upload.id }, { usedAt: new Date(), partKey });
      return Object.assign(upload, { partKey });
    });
  }

  async getDataset(m: EntityManager, globalId: string): Promise<Dataset> {
    const dataset = await m.findOneBy(Dataset, { id: idOf('Dataset', globalId) });
    if (!dataset) throw notFound('Dataset');
    return dataset;
  }

  listDatasets<T>(m: EntityManager, args: PageArgs, filter: DatasetFilter | null | undefined, present: (d: Dataset) => T): Promise<Page<T>> {
    const qb = m.createQueryBuilder(Dataset, 'd');
    if (filter?.task) qb.andWhere('d.task = :task', { task: filter.task });
    if (filter?.status) qb.andWhere('d.status = :status', { status: filter.status });
    return paginate(qb, args, present);
  }

  /**
   * Deletes a dataset, its blob and the part blobs of its split files. A dataset that queued or
   * running training runs still read is a CONFLICT naming them (the training feature registers
   * that check).
   */
  async deleteDataset(m: EntityManager, globalId: string): Promise<Dataset> {
    const dataset = await this.getDataset(m, globalId);
    const runs = await this.inUse(m, dataset.id);
    if (runs.length) {
      const ids = runs.map((id) => toGlobalId('TrainingRun', id));
      throw new AppError('CONFLICT', `the dataset is used by ${runs.length} queued or running run${runs.length === 1 ? '' : 's'}: ${ids.join(', ')}; cancel ${runs.length === 1 ? 'it' : 'them'} or wait`, { field: 'id', extensions: { runIds: ids } });
    }
    const parts = await this.splitFiles.partKeys(m, dataset.id);
    await m.delete(Dataset, { id: dataset.id });
    await Promise.all([dataset.blobKey, ...parts].filter((k): k is string => !!k).map((k) => this.blobs.delete(k)));
    return dataset;
  }

  /**
   * Housekeeping, safe on every replica at once: datasets whose upload URL expired unused become
   * FAILED, so do those whose server stopped mid-upload or mid-join; the part blobs of split-file
   * datasets that failed (or joined, when a crash kept their deletion from finishing) are
   * deleted; temporary blobs left by crashes are deleted. Parts still waiting for their siblings
   * are durable blobs, not temporary ones: they stay however old they are, until their URLs expire.
   */
  async sweep(tempOlderThanMs = 24 * 3600 * 1000): Promise<{ expired: number; tempBlobs: number }> {
    // A PROCESSING dataset whose upload began long ago lost its server mid-stream (its temp blob
    // goes below); one whose split files all came in long ago lost its server while joining them.
    const [, expired]: [unknown, number] = await this.db.system((m) =>
      m.query(
        `UPDATE datasets d SET status = 'FAILED',
                failure_reason = CASE WHEN u.used_at IS NULL THEN (CASE WHEN u.split IS NULL THEN 'the upload URL expired before the file arrived'
                                   ELSE 'the upload URL of the ' || u.split || ' file expired before the file arrived' END)
                                 WHEN u.finished_at IS NOT NULL THEN 'the server stopped while joining the files: upload them again'
                                 ELSE 'the server stopped while processing the upload: upload the file again' END
           FROM dataset_uploads u
          WHERE u.dataset_id = d.id
            AND ((d.status IN ('UPLOADING', 'PROCESSING') AND u.used_at IS NULL AND u.expires_at < now())
              OR (d.status = 'PROCESSING' AND u.finished_at IS NULL AND u.used_at < now() - make_interval(secs => $1 / 1000.0))
              OR (d.status = 'PROCESSING' AND u.split IS NOT NULL AND u.finished_at < now() - make_interval(secs => $1 / 1000.0)
                  AND NOT EXISTS (SELECT 1 FROM dataset_uploads w WHERE w.dataset_id = d.id AND w.finished_at IS NULL)))`,
        [tempOlderThanMs],
      ),
    );
    // Part blobs of datasets that wait for no file any more (FAILED, or READY after a crash mid-cleanup):
    // deleted first, then forgotten, so a crash in between only repeats the deletion.
    const orphans: { id: string; part_key: string }[] = await this.db.system((m) => m.query(
      `SELECT u.id, u.part_key FROM dataset_uploads u JOIN datasets d ON d.id = u.dataset_id
        WHERE d.status IN ('FAILED', 'READY') AND u.part_key IS NOT NULL`,
    ));
    await Promise.all(orphans.map((o) => this.blobs.delete(o.part_key)));
    if (orphans.length) {
      await this.db.system((m) => m.query(`UPDATE dataset_uploads SET part_key = NULL WHERE id = ANY($1)`, [orphans.map((o) => o.id)]));
    }
    const tempBlobs = await this.blobs.sweepTemp(tempOlderThanMs);
    return { expired, tempBlobs };
  }
}

/** `splitFiles` needs train and test (validation is optional) and excludes the other ways of splitting. */
function checkSplitFiles(problems: Problems, splitFiles: SplitName[], o: DatasetOptions): void {
  if (new Set(splitFiles).size !== splitFiles.length) problems.add('splitFiles', 'splitFiles names a split twice');
  const missing = (['train', 'test'] as const).filter((s) => !splitFiles.includes(s));
  if (missing.length) problems.add('splitFiles', `splitFiles must include ${missing.join(' and ')}: training needs train rows and evaluation needs test rows`);
  for (const option of ['splits', 'seed', 'splitColumn'] as const) {
    if (o[option] !== undefined) problems.add(['options', option], `options.${option} cannot be combined with splitFiles: each file's rows belong to its split`);
  }
}
