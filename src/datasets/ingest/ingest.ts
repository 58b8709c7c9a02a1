/**
 * The streaming ingest pipeline: raw bytes → (gunzip) → text → records → validated canonical
 * rows → JSONL in `sink`, with hash, stats, splits, preview and errors gathered in the same
 * single pass. Memory is bounded by chunk sizes, the largest accepted field and the stats
 * sketches, never by the file size; backpressure flows from `sink` back to `source`.
 */
import { isUtf8 } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { WriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { DelimitedParser, type ParseIssue } from './delimited-parser';
import { LineSplitter } from './line-splitter';
import { OutputBuffer } from './output-buffer';
import { PlainRowReader } from './plain-rows';
import { releaseBuffer } from './release-buffer';
import { listenToSource, stopReading } from './source-listeners';
import { BLANK, RatingRowPath } from './rating-rows';
import { resolveLayout, type DelimitedLayout } from './layout';
import { IngestOptionsError, validateIngestOptions } from './options';
import { convertField, DEFAULT_RATING_RANGE, isProblem, MAX_FIELD_BYTES, normalizeName, TASK_FIELDS, type FieldSpec, type RatingRange } from './schema';
import { ACCEPTED_SPLIT_VALUES, DEFAULT_SPLITS, FixedSplit, SplitAssigner, splitIndexOf, type SplitName, type SplitSource } from './split';
import { createStatsCollector, RecommendationCollector, type CanonicalRow, type RowValues, type StatsCollector } from './task-stats';
import { ChunkDecoder, GZIP_MAGIC, INVALID_MARK, looksBinary, SNIFF_BYTES } from './text-decoding';
import type { FatalCode, IngestOptions, IngestResult, RowError } from './types';

export { IngestOptionsError, validateIngestOptions };

/** A partial line carried between chunks by the byte path; longer ones go to the general path, which bounds them. */
const MAX_CARRY_BYTES = 256 * 1024;
/**
 * Input buffered ahead of the parser before the source is paused: large enough that a socket
 * keeps flowing while a batch is parsed (pausing and resuming per 64 KB chunk costs syscalls and
 * idle time), small enough to keep memory flat.
 */
const INPUT_BUFFER_BYTES = 1024 * 1024;
const LF = 10;
/** A JSONL line may hold a few 1 MB fields plus JSON escaping. */
const MAX_LINE_CHARS = 8 * MAX_FIELD_BYTES;
// Hot-path globals bound once: under Jest's vm context every global lookup is slow.
const stringify = JSON.stringify;
const SPLIT_PREFIX = ['{"split":"train"', '{"split":"validation"', '{"split":"test"'];
const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

/**
 * Streams `source` through gunzip (when gzip), decoding, parsing and per-row validation into
 * `sink` as canonical JSONL (one `{"split":"train", ...canonical fields}` per line), computing
 * everything in one pass with memory independent of file size. Never throws for bad data: it
 * reports it in the result.
 *
 * Rejects only for invalid options (IngestOptionsError) and when `sink` fails. `source` is
 * never destroyed: on a fatal error ingest stops reading it (pause, listeners removed, a no-op
 * error listener left so a later error cannot crash the process) and the caller decides (e.g.
 * answer 413 and close). Unless `endSink: false`, the sink is ended; on success the promise
 * resolves once it has finished.
 */
export function ingest(source: NodeJS.ReadableStream, sink: NodeJS.WritableStream, opts: IngestOptions): Promise<IngestResult> {
  return runIngest(source, sink, opts, true);
}

/** `ingest`; without `hashed` the result's sha256 is `''` (the worker thread's half: its caller hashes). */
export function runIngest(source: NodeJS.ReadableStream, sink: NodeJS.WritableStream, opts: IngestOptions, hashed: boolean): Promise<IngestResult> {
  const problems = validateIngestOptions(opts);
  return problems.length ? Promise.reject(new IngestOptionsError(problems)) : new IngestRun(source, sink, opts, hashed).run();
}

class IngestRun {
  private readonly specs: readonly FieldSpec[];
  /** `,"name":` for each field, in TASK_FIELDS order. */
  private readonly jsonPrefixes: string[];
  private readonly isClassification: boolean;
  private readonly hash: Hash | null;
  private readonly decoder: ChunkDecoder;
  private readonly splitter: SplitSource;
  private readonly stats: StatsCollector;
  private readonly ratingRange: RatingRange;
  private readonly maxErrors: number;
  private readonly previewRows: number;
  private readonly maxLabels: number;
  private readonly columns: Record<string, string>;
  private readonly parser: { push(text: string): void; end(): void };
  /** The delimited parser when rows may take the byte-level path (RECOMMENDATION in UTF-8 CSV/TSV), else null. */
  private readonly bytePath: DelimitedParser | null = null;
  /** Created once the layout is known, when it suits the byte-level path. */
  private ratingRows: RatingRowPath | null = null;
  /** The WebAssembly reader of plain rows, when the layout suits it (compact rows in canonical column order). */
  private plain: PlainRowReader | null = null;
  /** The bytes of an incomplete last line, held for the next chunk (byte path only). */
  private carry: Buffer | null = null;
  private readonly output: OutputBuffer;
  private readonly processor: Writable;

  private byteSize = 0;
  private decodedBytes = 0;
  private head: Buffer[] = [];
  private headLength = 0;
  private entry: Writable | null = null;
  private gunzip: Gunzip | null = null;
  private waitingForEntryDrain = false;
  private sourceEnded = false;
  private sniffed = false;
  private sniffChunks: Buffer[] = [];
  private sniffLength = 0;

  private layout: DelimitedLayout | null = null;
  private jsonKeys: (string | null)[] | null = null;
  private columnMapping: Record<string, string> = {};
  private records = 0;
  private rowCount = 0;
  /** Rows per split: train, validation, test. */
  private readonly splitCounts = [0, 0, 0];
  /** Where the user's split comes from, for messages (`column "split"`, `key "ml_use"`); null when not given. */
  private splitLabel: string | null = null;
  private readonly errors: RowError[] = [];
  private errorCount = 0;
  private readonly preview: Record<string, unknown>[] = [];
  private readonly labels = new Set<string>();
  private sinkFull = false;

  private done = false;
  private fatal: IngestResult['fatal'] = null;
  private resolve: (r: IngestResult) => void = () => undefined;
  private reject: (e: Error) => void = () => undefined;
  /** Stops listening to the source (set once it is listened to; before that, only stops it). */
  private unlisten = (ended: boolean): void => {
    if (!ended) stopReading(this.source);
  };

  constructor(private readonly source: NodeJS.ReadableStream, private readonly sink: NodeJS.WritableStream, private readonly opts: IngestOptions, hashed: boolean) {
    this.hash = hashed ? createHash('sha256') : null;
    this.specs = TASK_FIELDS[opts.task];
    this.jsonPrefixes = this.specs.map((spec) => `,${JSON.stringify(spec.name)}:`);
    this.isClassification = opts.task === 'CLASSIFICATION';
    this.decoder = new ChunkDecoder(opts.encoding ?? 'utf-8');
    this.splitter = opts.split ? new FixedSplit(opts.split) : new SplitAssigner(opts.seed ?? 42, opts.splits ?? DEFAULT_SPLITS);
    this.stats = createStatsCollector(opts.task, { exactDistinctLimit: opts.exactDistinctLimit ?? 1_000_000 });
    this.ratingRange = opts.ratingRange ?? DEFAULT_RATING_RANGE;
    this.maxErrors = opts.maxErrors ?? 100;
    this.previewRows = opts.previewRows ?? 20;
    this.maxLabels = opts.maxLabels ?? 1000;
    this.columns = opts.columns ?? {};
    if (opts.format === 'JSONL') {
      this.parser = new LineSplitter(MAX_LINE_CHARS, (text, line) => this.onJsonLine(text, line), (line) => this.onOversizeLine(line));
    } else {
      const parser = new DelimitedParser({ delimiter: this.delimiter(), maxFieldChars: MAX_FIELD_BYTES }, (fields, line, issue) => this.onRecord(fields, line, issue));
      this.parser = parser;
      if (opts.task === 'RECOMMENDATION' && (opts.encoding ?? 'utf-8') === 'utf-8') this.bytePath = parser;
    }
    // A file stream is done with a chunk once its write callback runs (other sinks may keep it: S3's part buffers).
    this.output = new OutputBuffer((chunk, release) => {
      if (!this.sink.write(chunk, release)) this.sinkFull = true;
    }, sink instanceof WriteStream);
    this.processor = new Writable({
      highWaterMark: INPUT_BUFFER_BYTES,
      write: (chunk: Buffer, _encoding, callback) => this.onDecompressed(chunk, callback),
      final: (callback) => this.onInputEnd(callback),
    });
  }

  private delimiter(): string {
    return this.opts.delimiter ?? (this.opts.format === 'TSV' ? '\t' : ',');
  }

  run(): Promise<IngestResult> {
    return new Promise<IngestResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.processor.on('finish', () => this.complete());
      this.processor.on('error', () => undefined);
      this.sink.on('error', this.onSinkError);
      const signal = this.opts.signal;
      if (signal?.aborted) return this.fail('ABORTED', 'the upload was cancelled');
      signal?.addEventListener('abort', this.onAbort, { once: true });
      this.unlisten = listenToSource(this.source, { data: this.onData, end: this.onEnd, error: this.onSourceError, close: this.onClose, aborted: this.onClientAborted });
    });
  }

  // ── raw bytes: size limit, hash, gzip detection, backpressure ─────────────────────────────

  private readonly onData = (chunk: Buffer | string): void => {
    if (this.done) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.byteSize += bytes.length;
    if (this.byteSize > this.opts.maxBytes) {
      return this.fail('TOO_LARGE', `the file is larger than the limit of ${this.opts.maxBytes} bytes`);
    }
    this.hash?.update(bytes);
    if (this.entry) return this.feed(bytes);
    this.head.push(bytes);
    this.headLength += bytes.length;
    if (this.headLength >= GZIP_MAGIC.length) this.openEntry();
  };

  private openEntry(): void {
    const head = Buffer.concat(this.head);
    this.head = [];
    const gzip = this.opts.gzip ?? (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]);
    if (gzip) {
      const gunzip = createGunzip();
      gunzip.on('error', (err) => this.fail('BAD_GZIP', `the gzip stream is corrupt or truncated (${err.message})`));
      gunzip.pipe(this.processor);
      this.gunzip = gunzip;
      this.entry = gunzip;
    } else {
      this.entry = this.processor;
    }
    if (head.length) this.feed(head);
  }

  private feed(bytes: Buffer): void {
    const entry = this.entry!;
    if (!entry.write(bytes) && !this.waitingForEntryDrain) {
      this.waitingForEntryDrain = true;
      this.source.pause();
      entry.once('drain', () => {
        this.waitingForEntryDrain = false;
        if (!this.done) this.source.resume();
      });
    }
  }

  private readonly onEnd = (): void => {
    if (this.done) return;
    this.sourceEnded = true;
    if (!this.entry) this.openEntry();
    this.entry!.end();
  };

  private readonly onSourceError = (err: Error): void => this.fail('ABORTED', `the upload failed before it was complete (${err.message})`);

  private readonly onClose = (): void => {
    if (!this.sourceEnded) this.fail('ABORTED', 'the upload ended before it was complete');
  };

  private readonly onClientAborted = (): void => this.fail('ABORTED', 'the client disconnected before the upload was complete');

  private readonly onAbort = (): void => this.fail('ABORTED', 'the upload was cancelled');

  // ── decompressed bytes: binary sniff, decoding, parsing ───────────────────────────────────

  private onDecompressed(chunk: Buffer, callback: () => void): void {
    if (this.done) return callback();
    this.decodedBytes += chunk.length;
    let bytes: Buffer | null = chunk;
    if (!this.sniffed) {
      this.sniffChunks.push(chunk);
      this.sniffLength += chunk.length;
      if (this.sniffLength < SNIFF_BYTES) return callback();
      bytes = this.sniff();
    }
    if (bytes) this.take(bytes);
    // The chunk was hashed and read (take copies what it keeps): its memory can go now.
    if (this.opts.releaseChunks && bytes === chunk && !this.gunzip) {
      this.plain?.release();
      releaseBuffer(chunk);
    }
    this.afterChunk(callback);
  }

  /** Returns the buffered head once it passed the binary check, or null after failing. */
  private sniff(): Buffer | null {
    const head = Buffer.concat(this.sniffChunks);
    this.sniffChunks = [];
    this.sniffed = true;
    if (looksBinary(head.subarray(0, SNIFF_BYTES))) {
      this.fail('BINARY', 'the file looks binary (NUL bytes or control characters), not CSV/TSV/JSONL text');
      return null;
    }
    return head;
  }

  private parse(text: string): void {
    if (text && !this.done) this.parser.push(text);
  }

  /** Decoded bytes in: whole lines go to `lines` (byte path; a carried line is completed first, not copied with the chunk), the rest is decoded and parsed. */
  private take(bytes: Buffer): void {
    if (!this.bytePath) return this.parse(this.decoder.decode(bytes));
    let buf = bytes;
    const carry = this.carry;
    this.carry = null;
    const lf = carry ? bytes.indexOf(LF) + 1 : 0;
    if (carry && lf === 0) buf = Buffer.concat([carry, bytes]);
    else if (carry) {
      this.lines(Buffer.concat([carry, bytes.subarray(0, lf)]), carry.length + lf);
      if (this.done) return;
      buf = bytes.subarray(lf);
    }
    const cut = buf.lastIndexOf(LF) + 1;
    if (buf.length - cut > MAX_CARRY_BYTES) return this.parse(this.decoder.decode(buf));
    if (cut < buf.length) this.carry = Buffer.from(buf.subarray(cut));
    if (cut > 0) this.lines(buf, cut);
  }

  /**
   * Handles `buf[0, end)`, whole lines (it ends with an LF): each row the byte-level path can
   * take goes there, any other goes through the decoder and the general parser, one line at a
   * time so line numbers and the order of output rows stay exact. Inside a quoted field (the
   * parser not idle) everything goes to the general parser until the field is closed.
   */
  private lines(buf: Buffer, end: number): void {
    const parser = this.bytePath!;
    if (!parser.idle) return this.parse(this.decoder.decode(buf.subarray(0, end)));
    let line = parser.currentLine;
    let pos = 0;
    let utf8: boolean | null = null;
    this.plain?.release();
    while (pos < end) {
      const plain = this.plain;
      if (plain?.active && this.preview.length >= this.previewRows) {
        const all = plain.take(buf, pos, end, line, this.output);
        pos = plain.pos;
        line = plain.line;
        if (all) break; // else the row at pos is read below
      }
      const rows = this.ratingRows;
      if (rows && this.preview.length >= this.previewRows && (utf8 ??= isUtf8(buf.subarray(0, end)))) {
        const split = rows.row(buf, pos, line);
        if (split >= 0) {
          this.records++;
          this.rowCount++;
          this.splitCounts[split]++;
        }
        if (split >= 0 || split === BLANK) {
          line++;
          pos = rows.next;
          continue;
        }
      }
      const next = buf.indexOf(LF, pos) + 1;
      parser.resumeAt(line);
      this.parse(this.decoder.decode(buf.subarray(pos, next)));
      if (this.done) return;
      pos = next;
      if (!parser.idle) return this.parse(this.decoder.decode(buf.subarray(pos, end)));
      line = parser.currentLine;
    }
    parser.resumeAt(line);
  }

  /** Adds the rows `plain` took to the run's counts (its stats are in the collector), once, before the result. */
  private finishPlain(): void {
    const taken = this.plain?.finish();
    if (!taken) return;
    this.records += taken.rows;
    this.rowCount += taken.rows;
    taken.splitCounts.forEach((n, k) => (this.splitCounts[k] += n));
  }

  private onInputEnd(callback: () => void): void {
    if (!this.done && !this.sniffed) {
      const head = this.sniff();
      if (head) this.take(head);
    }
    if (!this.done) {
      const carry = this.carry;
      this.carry = null;
      if (carry) this.parse(this.decoder.decode(carry));
      this.parse(this.decoder.end());
      this.parser.end();
    }
    this.afterChunk(callback);
  }

  private afterChunk(callback: () => void): void {
    if (this.done) return callback();
    if (!this.sinkFull) return callback();
    this.sink.once('drain', () => {
      this.sinkFull = false;
      callback();
    });
  }

  // ── records: layout, validation, output ───────────────────────────────────────────────────

  private onRecord(fields: string[], line: number, issue: ParseIssue | null): void {
    if (this.done) return;
    if (!this.layout) {
      const layout = resolveLayout(fields, this.specs, { hasHeader: this.opts.hasHeader, columns: this.columns, splitColumn: this.opts.splitColumn });
      if (typeof layout === 'string') return this.fail('BAD_HEADER', layout);
      this.layout = layout;
      this.columnMapping = layout.mapping;
      if (layout.splitIndex !== -1) this.splitLabel = layout.hasHeader ? `column "${layout.mapping.split}"` : `column ${layout.splitIndex + 1}`;
      const rowLayout = { delimiter: this.delimiter(), columns: layout.columns, indexes: layout.indexes };
      // A user's split column takes the general path: the byte path knows only the task's fields.
      if (this.bytePath && layout.splitIndex === -1 && this.stats instanceof RecommendationCollector && RatingRowPath.supports(rowLayout)) {
        this.ratingRows = new RatingRowPath(rowLayout, this.ratingRange, this.splitter, this.stats, this.output, this.opts.compactRows === true);
        if (this.ratingRows.inOrder && this.opts.plainRowReader !== false) {
          this.plain = new PlainRowReader({ delimiter: rowLayout.delimiter, hasTimestamp: layout.columns === 4 }, this.splitter.cuts(), this.ratingRange, this.stats);
        }
      }
      if (layout.hasHeader) return;
    }
    this.records++;
    const layout = this.layout;
    if (issue) return this.rowError(line, issue.column === null ? null : this.columnName(issue.column), issue.code, issue.message);
    if (fields.length !== layout.columns) {
      return this.rowError(line, null, 'WRONG_COLUMN_COUNT', `expected ${layout.columns} columns, found ${fields.length}`);
    }
    if (this.decoder.sawInvalid) {
      const bad = fields.findIndex((f) => f.includes(INVALID_MARK));
      if (bad !== -1) return this.rowError(line, this.columnName(bad), 'INVALID_UTF8', 'invalid UTF-8 byte sequence (choose latin1 or windows-1252 if the file is not UTF-8)');
    }
    const values: RowValues = new Array(this.specs.length);
    for (let k = 0; k < this.specs.length; k++) {
      const spec = this.specs[k];
      const index = layout.indexes[k];
      const value = convertField(spec, index < 0 ? undefined : fields[index], this.ratingRange);
      if (isProblem(value)) return this.rowError(line, spec.name, value.code, value.message);
      values[k] = value;
    }
    const split = layout.splitIndex === -1 ? this.splitter.assignIndex(line) : this.userSplit(fields[layout.splitIndex], line);
    if (split !== -1) this.accept(values, line, split);
  }

  /** The split a user's column or key names (0, 1, 2), or −1 after recording the row error. */
  private userSplit(raw: unknown, line: number): number {
    const problem = typeof raw !== 'string' ? (raw === undefined || raw === null ? 'is missing' : 'must be a string')
      : raw.trim() === '' ? 'is empty'
      : splitIndexOf(raw) === -1 ? `has ${stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw)}, which names no split`
      : null;
    if (problem === null) return splitIndexOf(raw as string);
    const code = problem === 'is missing' ? 'MISSING_FIELD' : problem === 'is empty' ? 'EMPTY_FIELD' : 'INVALID_SPLIT';
    this.rowError(line, 'split', code, `the split ${this.splitLabel} ${problem}; accepted (any case): ${ACCEPTED_SPLIT_VALUES}`);
    return -1;
  }

  private columnName(index: number): string {
    const layout = this.layout;
    if (!layout) return String(index);
    if (index === layout.splitIndex) return 'split';
    const k = layout.indexes.indexOf(index);
    return k === -1 ? `column ${index + 1}` : this.specs[k].name;
  }

  private onJsonLine(text: string, line: number): void {
    if (this.done) return;
    this.records++;
    if (this.decoder.sawInvalid && text.includes(INVALID_MARK)) {
      return this.rowError(line, null, 'INVALID_UTF8', 'invalid UTF-8 byte sequence (choose latin1 or windows-1252 if the file is not UTF-8)');
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return this.rowError(line, null, 'INVALID_JSON', `not valid JSON: ${(err as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.rowError(line, null, 'NOT_AN_OBJECT', 'each line must be a JSON object');
    }
    const object = value as Record<string, unknown>;
    const keys = this.jsonKeys ?? this.resolveJsonKeys(object);
    const values: RowValues = new Array(this.specs.length);
    for (let k = 0; k < this.specs.length; k++) {
      const spec = this.specs[k];
      const key = keys[k];
      const raw = key !== null && Object.hasOwn(object, key) ? object[key] : undefined;
      const converted = convertField(spec, raw, this.ratingRange);
      if (isProblem(converted)) return this.rowError(line, spec.name, converted.code, key && converted.code === 'MISSING_FIELD' ? `"${key}" is missing` : converted.message);
      values[k] = converted;
    }
    const splitKey = this.opts.splitColumn;
    const split = splitKey === undefined ? this.splitter.assignIndex(line) : this.userSplit(Object.hasOwn(object, splitKey) ? object[splitKey] : undefined, line);
    if (split !== -1) this.accept(values, line, split);
  }

  /** The JSON key of each field: the explicit mapping, else the first key of the first object matching an alias. */
  private resolveJsonKeys(first: Record<string, unknown>): (string | null)[] {
    const present = Object.keys(first).filter((key) => key !== this.opts.splitColumn);
    const keys = this.specs.map((spec) => {
      const explicit = this.columns[spec.name];
      if (explicit !== undefined) return explicit;
      return present.find((key) => spec.aliases.includes(normalizeName(key))) ?? spec.name;
    });
    keys.forEach((key, k) => {
      if (key !== null && (Object.hasOwn(first, key) || this.columns[this.specs[k].name] !== undefined)) this.columnMapping[this.specs[k].name] = key;
    });
    const splitKey = this.opts.splitColumn;
    if (splitKey !== undefined) {
      this.columnMapping.split = splitKey;
      this.splitLabel = `key ${stringify(splitKey)}`;
    }
    this.jsonKeys = keys;
    return keys;
  }

  private onOversizeLine(line: number): void {
    if (this.done) return;
    this.records++;
    this.rowError(line, null, 'FIELD_TOO_LARGE', `the line is longer than ${MAX_LINE_CHARS} characters`);
  }

  /** Records a valid row in split `split` (0 train, 1 validation, 2 test). */
  private accept(values: RowValues, line: number, split: number): void {
    if (this.isClassification) {
      const label = values[1] as string;
      if (!this.labels.has(label)) {
        if (this.labels.size >= this.maxLabels) {
          return this.rowError(line, 'label', 'TOO_MANY_LABELS', `more than ${this.maxLabels} distinct labels`);
        }
        this.labels.add(label);
      }
    }
    this.rowCount++;
    this.stats.add(values);
    this.splitCounts[split]++;
    // Hand-built JSON (the hot path): numbers here are always finite, so String(n) is valid JSON.
    let json = SPLIT_PREFIX[split];
    for (let k = 0; k < values.length; k++) {
      const value = values[k];
      if (value === undefined) continue;
      json += this.jsonPrefixes[k] + (typeof value === 'number' ? `${value}` : stringify(value));
    }
    this.output.writeString(json + '}\n');
    if (this.preview.length < this.previewRows) {
      const row: CanonicalRow = {};
      for (let k = 0; k < values.length; k++) if (values[k] !== undefined) row[this.specs[k].name] = values[k] as string | number;
      this.preview.push({ split: SPLIT_NAMES[split], ...row });
    }
  }

  private rowError(line: number, field: string | null, code: string, message: string): void {
    this.errorCount++;
    if (this.errors.length < this.maxErrors) this.errors.push({ line, field, message: `line ${line}: ${message}`, code });
  }

  // ── the end ───────────────────────────────────────────────────────────────────────────────

  private complete(): void {
    if (this.done) return;
    this.finishPlain();
    if (this.decodedBytes === 0) return this.fail('EMPTY', 'the file is empty');
    if (this.records === 0) {
      return this.fail('EMPTY', this.layout?.hasHeader ? 'the file has a header row but no data rows' : 'the file has no rows');
    }
    if (this.opts.splitColumn !== undefined && this.errorCount === 0) {
      // Training needs train rows and the final evaluation needs test rows; validation may be
      // empty (the trainer then validates on train).
      const [train, , test] = this.splitCounts;
      const empty = [train === 0 && 'train', test === 0 && 'test'].filter(Boolean);
      if (empty.length) {
        return this.fail('EMPTY_SPLIT', `no row is in ${empty.join(' or ')} (split ${this.splitLabel}): training needs train rows and evaluation needs test rows`);
      }
    }
    this.done = true;
    this.output.flush();
    this.detachSource();
    const result = this.result();
    if (this.opts.endSink === false) return this.resolve(result);
    this.sink.end(() => this.resolve(result));
  }

  private fail(code: FatalCode, message: string): void {
    if (this.done) return;
    this.done = true;
    this.fatal = { code, message };
    this.output.discard();
    this.detachSource();
    if (this.gunzip) {
      this.gunzip.unpipe(this.processor);
      this.gunzip.destroy();
    }
    this.processor.destroy();
    if (this.opts.endSink !== false) this.sink.end();
    this.resolve(this.result());
  }

  private readonly onSinkError = (err: Error): void => {
    const wasDone = this.done;
    this.done = true;
    this.detachSource();
    this.gunzip?.destroy();
    this.processor.destroy();
    if (!wasDone) this.reject(err);
  };

  private detachSource(): void {
    this.unlisten(this.sourceEnded);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
  }


  private result(): IngestResult {
    this.finishPlain();
    return {
      ok: this.fatal === null && this.errorCount === 0 && this.rowCount > 0,
      fatal: this.fatal,
      rowCount: this.rowCount,
      byteSize: this.byteSize,
      sha256: this.hash?.digest('hex') ?? '',
      columnMapping: this.columnMapping,
      hasHeader: this.layout?.hasHeader ?? false,
      stats: this.stats.result(),
      splitCounts: { train: this.splitCounts[0], validation: this.splitCounts[1], test: this.splitCounts[2] },
      errors: this.errors,
      errorCount: this.errorCount,
      preview: this.preview,
    };
  }
}
