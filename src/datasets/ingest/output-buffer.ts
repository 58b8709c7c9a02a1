/**
 * Canonical JSONL output gathered in large byte batches: rows are copied or encoded straight into
 * a Buffer and handed to the sink about once per megabyte, so the sink sees few large writes and
 * backpressure is checked once per batch instead of once per row. Batches always end on a row
 * boundary (never inside a UTF-8 sequence).
 */
/** Bytes per batch handed to the sink. */
export const OUT_BATCH_BYTES = 1024 * 1024;

export class OutputBuffer {
  buf: Buffer = Buffer.allocUnsafeSlow(OUT_BATCH_BYTES);
  pos = 0;

  /** `write` hands a batch to the sink (its return value is the sink's: false means wait for drain). */
  constructor(private readonly write: (chunk: Buffer | string) => void) {}

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
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafeSlow(OUT_BATCH_BYTES);
    this.pos = 0;
    this.write(chunk);
  }

  discard(): void {
    this.pos = 0;
  }
}
