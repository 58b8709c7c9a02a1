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
import { DelimitedParser } from './delimited-parser';
import { LineSplitter } from './line-splitter';
import { OutputBuffer } from './output-buffer';
import { PlainRowReader } from './plain-rows';
import { releaseBuffer } from './release-buffer';
import { listenToSource, stopReading } from './source-listeners';
import { BLANK, RatingRowPath } from './rating-rows';
import type { DelimitedLayout } from './layout';
import { IngestOptionsError, validateIngestOptions } from './options';
import { RowValidator, MAX_LINE_CHARS } from './row-validator';
import { DEFAULT_RATING_RANGE, MAX_FIELD_BYTES, type RatingRange } from './schema';
import { DEFAULT_SPLITS, FixedSplit, SplitAssigner, type SplitSource } from './split';
import { createStatsCollector, RecommendationCollector, type StatsCollector } from './task-stats';
import { ChunkDecoder, GZIP_MAGIC, looksBinary, SNIFF_BYTES } from './text-decoding';
import type { FatalCode, IngestOptions, IngestResult } from './types';

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
  private readonly hash: Hash | null;
  private readonly decoder: ChunkDecoder;
  private readonly splitter: SplitSource;
  private readonly stats: StatsCollector;
  private readonly ratingRange: RatingRange;
  private readonly rows: RowValidator;
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
    this.decoder = new ChunkDecoder(opts.encoding ?? 'utf-8');
    this.splitter = opts.split ? new FixedSplit(opts.split) : new SplitAssigner(opts.seed ?? 42, opts.splits ?? DEFAULT_SPLITS);
    this.stats = createStatsCollector(opts.task, { exactDistinctLimit: opts.exactDistinctLimit ?? 1_000_000 });
    this.ratingRange = opts.ratingRange ?? DEFAULT_RATING_RANGE;
    // A file stream is done with a chunk once its write callback runs (other sinks may keep it: S3's part buffers).
    this.output = new OutputBuffer((chunk, release) => {
      if (!this.sink.write(chunk, release)) this.sinkFull = true;
    }, sink instanceof WriteStream);
    const rows = new RowValidator(opts, { stats: this.stats, splitter: this.splitter, output: this.output, ratingRange: this.ratingRange, decoder: this.decoder }, {
      isDone: () => this.done,
      fail: (code, message) => this.fail(code, message),
      onLayout: (layout) => this.onLayout(layout),
    });
    this.rows = rows;
    if (opts.format === 'JSONL') {
      this.parser = new LineSplitter(MAX_LINE_CHARS, (text, line) => rows.onJsonLine(text, line), (line) => rows.onOversizeLine(line));
    } else {
      const parser = new DelimitedParser({ delimiter: this.delimiter(), maxFieldChars: MAX_FIELD_BYTES }, (fields, line, issue) => rows.onRecord(fields, line, issue));
      this.parser = parser;
      if (opts.task === 'RECOMMENDATION' && (opts.encoding ?? 'utf-8') === 'utf-8') this.bytePath = parser;
    }
    this.processor = new Writable({
      highWaterMark: INPUT_BUFFER_BYTES,
      // From gunzip, a chunk is read on the next turn of the event loop: zlib's callback returns
      // at once and inflates the next chunk on the thread pool while this one is parsed.
      write: (chunk: Buffer, _encoding, callback) => (this.gunzip ? setImmediate(() => this.onDecompressed(chunk, callback)) : this.onDecompressed(chunk, callback)),
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
      const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
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
    // The chunk was read (take copies what it keeps): its memory can go now. An HTTP body chunk,
    // or gunzip's output (read a turn later, once gunzip has moved on to a new buffer).
    if (this.opts.releaseChunks && bytes === chunk) {
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
      if (plain?.active && this.rows.previewFull) {
        const all = plain.take(buf, pos, end, line, this.output);
        pos = plain.pos;
        line = plain.line;
        if (all) break; // else the row at pos is read below
      }
      const ratingRows = this.ratingRows;
      if (ratingRows && this.rows.previewFull && (utf8 ??= isUtf8(buf.subarray(0, end)))) {
        const split = ratingRows.row(buf, pos, line);
        if (split >= 0) this.rows.countTaken(split);
        if (split >= 0 || split === BLANK) {
          line++;
          pos = ratingRows.next;
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
    if (taken) this.rows.addTaken(taken.rows, taken.splitCounts);
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

  // ── records ───────────────────────────────────────────────────────────────────────────

  /** The delimited file's layout is known: plain recommendation rows can take the byte-level readers. */
  private onLayout(layout: DelimitedLayout): void {
    const rowLayout = { delimiter: this.delimiter(), columns: layout.columns, indexes: layout.indexes };
    // A user's split column takes the general path: the byte path knows only the task's fields.
    if (!this.bytePath || layout.splitIndex !== -1 || !(this.stats instanceof RecommendationCollector) || !RatingRowPath.supports(rowLayout)) return;
    this.ratingRows = new RatingRowPath(rowLayout, this.ratingRange, this.splitter, this.stats, this.output, this.opts.compactRows === true);
    if (this.ratingRows.inOrder && this.opts.plainRowReader !== false) {
      this.plain = new PlainRowReader({ delimiter: rowLayout.delimiter, hasTimestamp: layout.columns === 4 }, this.splitter.cuts(), this.ratingRange, this.stats);
    }
  }

  // ── the end ───────────────────────────────────────────────────────────────────────────────

  private complete(): void {
    if (this.done) return;
    this.finishPlain();
    if (this.decodedBytes === 0) return this.fail('EMPTY', 'the file is empty');
    const problem = this.rows.endProblem();
    if (problem) return this.fail(problem.code, problem.message);
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
    const rows = this.rows.summary();
    return {
      ok: this.fatal === null && rows.errorCount === 0 && rows.rowCount > 0,
      fatal: this.fatal,
      byteSize: this.byteSize,
      sha256: this.hash?.digest('hex') ?? '',
      ...rows,
    };
  }
}
