import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { LocalBlobStore } from './blob-store';

const realOpen = fs.promises.open;
const realRename = fs.promises.rename;

/** Records, in order, every fsync of a path and every rename made by the store. */
function recordSyscalls(): { events: string[]; restore: () => void } {
  const events: string[] = [];
  const open = jest.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof fs.promises.open>) => {
    const handle = await realOpen(...args);
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      await sync();
      events.push(`fsync ${String(args[0])}`);
    };
    return handle;
  });
  const rename = jest.spyOn(fs.promises, 'rename').mockImplementation(async (from, to) => {
    await realRename(from, to);
    events.push(`rename ${String(to)}`);
  });
  return { events, restore: () => { open.mockRestore(); rename.mockRestore(); } };
}

describe('LocalBlobStore durability', () => {
  it('fsyncs the temporary file before the rename, then the directories whose entries changed', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneforge-durable-'));
    const store = new LocalBlobStore(root);
    fs.mkdirSync(path.join(root, 'tenants'));
    const temp = store.createTemp();
    temp.stream.end('{"a":1}\n');
    await once(temp.stream, 'close');
    const { events, restore } = recordSyscalls();
    try {
      await store.commit(temp.key, 'tenants/t1/datasets/d1/rows.jsonl');
    } finally {
      restore();
    }
    const at = (p: string) => path.join(root, p);
    expect(events).toEqual([
      `fsync ${at(temp.key)}`,
      `rename ${at('tenants/t1/datasets/d1/rows.jsonl')}`,
      `fsync ${at('tenants/t1/datasets/d1')}`,
      // made by this commit: each new directory's entry in its parent
      `fsync ${at('tenants/t1/datasets')}`,
      `fsync ${at('tenants/t1')}`,
      `fsync ${at('tenants')}`,
    ]);
    expect(fs.readFileSync(at('tenants/t1/datasets/d1/rows.jsonl'), 'utf8')).toBe('{"a":1}\n');

    const again = store.createTemp();
    again.stream.end('{"a":2}\n');
    await once(again.stream, 'close');
    const second = recordSyscalls();
    try {
      await store.commit(again.key, 'tenants/t1/datasets/d1/rows.jsonl');
    } finally {
      second.restore();
    }
    // The directories existed: only the blob and its own directory.
    expect(second.events).toEqual([`fsync ${at(again.key)}`, `rename ${at('tenants/t1/datasets/d1/rows.jsonl')}`, `fsync ${at('tenants/t1/datasets/d1')}`]);
  });

  it('fails the commit, leaving the key untouched, when the temporary blob is missing', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneforge-durable-'));
    const store = new LocalBlobStore(root);
    await expect(store.commit('tmp/never-written', 'tenants/t1/x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await store.exists('tenants/t1/x')).toBe(false);
  });

  it('flushes a temporary blob to disk while it is written (every 64 MB), so the commit has little left to sync', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneforge-durable-'));
    const store = new LocalBlobStore(root);
    const syncs = jest.spyOn(fs, 'fdatasync');
    try {
      const temp = store.createTemp();
      const mb = Buffer.alloc(1024 * 1024, 120);
      for (let i = 0; i < 150; i++) {
        if (!temp.stream.write(mb)) await once(temp.stream, 'drain');
        if (i % 16 === 0) await new Promise((r) => setTimeout(r, 120)); // the syncer looks every 100 ms
      }
      temp.stream.end();
      await once(temp.stream, 'close');
      expect(syncs.mock.calls.length).toBeGreaterThanOrEqual(1);
      expect(syncs.mock.calls.length).toBeLessThanOrEqual(2); // 150 MB: one sync at a time, each after 64 MB more
      await store.commit(temp.key, 'tenants/t1/big');
      expect(await store.size('tenants/t1/big')).toBe(150 * 1024 * 1024);
    } finally {
      syncs.mockRestore();
    }
  });
});

