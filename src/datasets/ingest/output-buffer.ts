/**
 * Canonical JSONL output gathered in large byte batches: rows are copied or encoded straight into
 * a Buffer and handed to the sink about once per megabyte, so the sink sees few large writes and
 * backpressure is checked once per batch instead of once per row. Batches always end on a row
 * boundary (never inside a UTF-8 sequence).
 */
/** Bytes per batch handed to the sink. */
export const OUT_BATCH_BYTES = 1024 * 1024;
/** Batches kept for reuse (enough for the sink's queue and the one being filled). */
const POOL_SIZE = 8;

/**
 * `write` hands a batch to the sink. With `reuse`, it must call `release` once the sink no longer
 * needs the batch's bytes (a file stream's write callback), and the batch is filled again:
 * without it a large upload allocates a new 1 MB Buffer per batch, a gigabyte of buffers that
 * outlive young-generation collections in the sink's queue and make V8 run a full collection
 * every few megabytes once its heap limit is tight (a server that has been up a while).
 */
export type BatchWriter = (chunk: Buffer | string, release?: () => void) => void;

export class OutputBuffer {
  buf: Buffer;
  pos = 0;
  private readonly pool: Buffer[] = [];

  constructor(private readonly write: BatchWriter, private readonly reuse = false) {
    this.buf = Buffer.allocUnsafeSlow(OUT_BATCH_BYTES);
  }

  /** Makes room for `bytes` more bytes (flushing the batch if needed); false when they cannot fit in any batch. */
  reserve(bytes: number): boolean {
    if (this.pos + bytes <= this.buf.length) return true;
    this.flush();
    return bytes <= this.buf.length;
  }

  /** Appends a string as UTF-8 (a row of the general path). */
  writeString(s: string): void {
    if (this.reserve(s.length * 3)) this.pos += this.buf.write(s, this.pos);
    else this.write(s);
  }

  get length(): number {
    return this.pos;
  }

  flush(): void {
    if (this.pos === 0) return;
    const full = this.buf;
    const chunk = full.subarray(0, this.pos);
    this.buf = this.pool.pop() ?? Buffer.allocUnsafeSlow(OUT_BATCH_BYTES);
    this.pos = 0;
    if (!this.reuse) return this.write(chunk);
    this.write(chunk, () => {
      if (this.pool.length < POOL_SIZE) this.pool.push(full);
    });
  }

  discard(): void {
    this.pos = 0;
  }
}
