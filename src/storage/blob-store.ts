import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';

/**
 * Where datasets, checkpoints and model artifacts live. Keys are `/`-separated and namespaced by
 * tenant by the callers (`tenants/<id>/…`). Writes go to a temporary key first and become visible
 * only on `commit`, so a crash mid-write never leaves a partial blob under a real key.
 */
export interface BlobStore {
  /** A writable for a new temporary blob; `commit(tempKey, key)` publishes it. */
  createTemp(): { key: string; stream: Writable };
  commit(tempKey: string, key: string): Promise<void>;
  /** Opens a blob for reading; rejects (ENOENT) when it does not exist, so callers answer 404, not a broken stream. */
  read(key: string): Promise<Readable>;
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Size in bytes, or null when the blob does not exist. */
  size(key: string): Promise<number | null>;
  /** Temporary blobs older than `olderThanMs` (left by crashes); returns how many were removed. */
  sweepTemp(olderThanMs: number): Promise<number>;
}

const SAFE_KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** The one key rule of every store: `/`-separated segments of `[A-Za-z0-9._-]`, none of them `..`. Throws otherwise. */
export function assertBlobKey(key: string): string {
  if (!SAFE_KEY.test(key) || key.split('/').includes('..')) throw new Error(`invalid blob key "${key}"`);
  return key;
}

/** A fresh temporary key: `tmp/<ms>-<random>`. */
export const newTempKey = (): string => `tmp/${Date.now()}-${crypto.randomBytes(8).toString('hex')}`;

/**
 * The default store: files under a directory (DATA_DIR/blobs). Commit is durable and atomic: the
 * temporary file is fsynced, renamed over the key, and the directories whose entries changed are
 * fsynced, so after `commit` resolves a power loss leaves the whole blob under `key` (or, before
 * it resolves, the previous one), never a zero-length or partial file. Writes themselves are not
 * synced: a temporary blob that is never committed needs no durability.
 */
export class LocalBlobStore implements BlobStore {
  constructor(private readonly root: string) {
    fs.mkdirSync(path.join(root, 'tmp'), { recursive: true });
  }

  private pathOf(key: string): string {
    return path.join(this.root, assertBlobKey(key));
  }

  createTemp(): { key: string; stream: Writable } {
    const key = newTempKey();
    // Room for a few 1 MB batches: the writer goes on with the next batch while one is written
    // (with the default 16 KB it waited for every write, idle half of a large upload).
    const stream = fs.createWriteStream(this.pathOf(key), { flags: 'wx', highWaterMark: TEMP_WRITE_BUFFER_BYTES });
    syncAsWritten(stream);
    return { key, stream };
  }

  async commit(tempKey: string, key: string): Promise<void> {
    const temp = this.pathOf(tempKey);
    const target = this.pathOf(key);
    await fsyncPath(temp);
    const dir = path.dirname(target);
    const created = await fs.promises.mkdir(dir, { recursive: true });
    await fs.promises.rename(temp, target);
    // The rename is durable once the target's directory is; directories made just now must be
    // reachable too, so their parents' entries are synced up to the first one that existed.
    const dirs = [dir];
    if (created !== undefined) for (let d = dir; d !== path.dirname(created); d = path.dirname(d)) dirs.push(path.dirname(d));
    for (const d of new Set(dirs)) await fsyncPath(d);
  }

  async read(key: string): Promise<Readable> {
    const handle = await fs.promises.open(this.pathOf(key), 'r');
    return handle.createReadStream();
  }

  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.pathOf(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    return fs.promises.access(this.pathOf(key)).then(() => true, () => false);
  }

  async size(key: string): Promise<number | null> {
    return fs.promises.stat(this.pathOf(key)).then((s) => s.size, () => null);
  }

  async sweepTemp(olderThanMs: number): Promise<number> {
    const dir = path.join(this.root, 'tmp');
    let removed = 0;
    for (const name of await fs.promises.readdir(dir)) {
      const stat = await fs.promises.stat(path.join(dir, name)).catch(() => null);
      if (stat && Date.now() - stat.mtimeMs > olderThanMs) {
        await fs.promises.rm(path.join(dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }
}

/** Bytes a temporary blob's stream buffers before it asks the writer to wait. */
const TEMP_WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

/** A temporary blob is fdatasynced in the background every this many bytes written. */
const SYNC_EVERY_BYTES = 64 * 1024 * 1024;

/**
 * Flushes a temporary blob to disk while it is being written (fdatasync every SYNC_EVERY_BYTES,
 * one at a time, off the event loop): the disk works during the upload instead of all at once in
 * the commit's fsync, which then has at most the last few MB to flush. Durability still comes
 * from `commit`; a failed sync here only leaves more for it.
 */
export function syncAsWritten(stream: fs.WriteStream): void {
  let fd = -1;
  let synced = 0;
  let syncing = false;
  const timer = setInterval(() => {
    if (fd < 0 || syncing || stream.bytesWritten - synced < SYNC_EVERY_BYTES) return;
    syncing = true;
    const upTo = stream.bytesWritten;
    fs.fdatasync(fd, () => {
      syncing = false;
      synced = upTo;
    });
  }, 100);
  timer.unref();
  stream.once('open', (opened: number) => (fd = opened));
  // No new sync once the stream is finishing (it closes its descriptor next).
  const stop = () => {
    fd = -1;
    clearInterval(timer);
  };
  stream.once('finish', stop).once('error', stop).once('close', stop);
}

/** fsync(2) of a file or directory (a directory is opened read-only, which Linux and macOS allow to sync). */
export async function fsyncPath(p: string): Promise<void> {
  const handle = await fs.promises.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
