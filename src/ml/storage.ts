/**
 * Storage implementations: a directory (the embedded default) and memory (tests).
 * A blob-store implementation elsewhere only needs the same four methods.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { MlError, type Storage } from './task';

/** Rejects keys that could escape the storage root. */
export function checkKey(key: string): string {
  const parts = key.split('/');
  if (key.length === 0 || key.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\'))) {
    throw new MlError('BAD_ARTIFACT', `invalid storage key "${key}"`);
  }
  return key;
}

export class DirectoryStorage implements Storage {
  constructor(readonly root: string) {}

  private file(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  async read(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await fs.readFile(this.file(key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new MlError('BAD_ARTIFACT', `missing file "${key}"`);
      throw e;
    }
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    const file = this.file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries: import('fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(path.join(dir, e.name), key);
        else if (!e.name.includes('.tmp-') && key.startsWith(prefix)) out.push(key);
      }
    };
    await walk(this.root, '');
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }
}

export class MemoryStorage implements Storage {
  readonly files = new Map<string, Uint8Array>();

  async read(key: string): Promise<Uint8Array> {
    const v = this.files.get(checkKey(key));
    if (!v) throw new MlError('BAD_ARTIFACT', `missing file "${key}"`);
    return v.slice();
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    this.files.set(checkKey(key), bytes.slice());
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.files.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    this.files.delete(key);
  }
}
