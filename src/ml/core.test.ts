import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { decodeVariablesModel, encodeVariablesModel, memoryIOHandler } from './artifact';
import { activeBackend, initBackend } from './backend';
import { validateHyperparameters } from './hyperparameters';
import { createRng } from './random';
import { getTask } from './registry';
import { DirectoryStorage, MemoryStorage } from './storage';
import { MlError, type ArtifactFiles } from './task';
import { parseRows } from './data-files';

beforeAll(async () => {
  await initBackend(undefined, () => undefined);
});

describe('backend', () => {
  it('chooses a backend and reports it', () => {
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(activeBackend());
  });
});

describe('seeded RNG', () => {
  it('repeats a sequence for the same seed and continues exactly after restore', () => {
    const a = createRng(7), b = createRng(7);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    const saved = a.state();
    const next = [a.next(), a.int(100), a.normal()];
    const c = createRng(1);
    c.restore(saved);
    expect([c.next(), c.int(100), c.normal()]).toEqual(next);
    expect(createRng(8).next()).not.toBe(xs[0]);
  });
});

describe('hyperparameter validation', () => {
  const module = getTask('classification');
  it('merges over defaults', () => {
    const { hp, errors } = validateHyperparameters(module, { epochs: 3 }, 100);
    expect(errors).toEqual([]);
    expect(hp).toMatchObject({ epochs: 3, architecture: 'tfidf' });
  });
  it('names the field and the range', () => {
    const { hp, errors } = validateHyperparameters(module, { hiddenSize: 4096, learningRate: 'fast', bogus: 1 }, 100);
    expect(hp).toBeNull();
    expect(errors).toEqual(expect.arrayContaining([
      { field: 'hiddenSize', message: 'hiddenSize must be between 0 and 1024' },
      { field: 'learningRate', message: 'learningRate must be a number' },
      expect.objectContaining({ field: 'bogus', message: expect.stringContaining('unknown hyperparameter bogus') }),
    ]));
  });
  it('rejects a non-object', () => {
    expect(validateHyperparameters(module, [1], 10).errors[0].field).toBe('hyperparameters');
  });
});

describe('storage', () => {
  it('writes, lists, reads and deletes in a directory, refusing keys that escape it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-store-'));
    const s = new DirectoryStorage(dir);
    await s.write('a/b/c.bin', new Uint8Array([1, 2, 3]));
    await s.write('a/d.json', new Uint8Array([4]));
    expect(await s.list('a/')).toEqual(['a/b/c.bin', 'a/d.json']);
    expect(Array.from(await s.read('a/b/c.bin'))).toEqual([1, 2, 3]);
    await s.delete('a/d.json');
    expect(await s.list('')).toEqual(['a/b/c.bin']);
    await expect(s.write('../evil', new Uint8Array())).rejects.toThrow(MlError);
    await expect(s.read('missing')).rejects.toMatchObject({ code: 'BAD_ARTIFACT' });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('artifact encoding', () => {
  it('round-trips named variables exactly', async () => {
    const a = tf.tensor2d([[1.1, -2.2], [3.3, Math.PI]]);
    const b = tf.tensor1d([0.1, 1e-30, -7]);
    const files = await encodeVariablesModel('recommendation', { k: 2 }, [{ name: 'a', tensor: a }, { name: 'b', tensor: b }]);
    const store = new MemoryStorage();
    for (const [k, v] of Object.entries(files)) await store.write(`x/${k}`, v);
    const back: ArtifactFiles = {};
    for (const k of await store.list('x/')) back[k.slice(2)] = await store.read(k);
    const { config, tensors } = decodeVariablesModel<{ k: number }>(back, 'recommendation');
    expect(config.k).toBe(2);
    expect(Array.from(tensors.get('a')!.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(tensors.get('b')!.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b, ...tensors.values()]);
  });
  it('saves and loads a Layers model through the custom IO handler (no tfjs-node)', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu' }), tf.layers.dense({ units: 2 })] });
    const files: ArtifactFiles = {};
    await model.save(memoryIOHandler(files));
    const loaded = await tf.loadLayersModel(memoryIOHandler(files));
    const x = tf.tensor2d([[1, 2, 3, 4]]);
    const y1 = model.predict(x) as tf.Tensor, y2 = loaded.predict(x) as tf.Tensor;
    expect(Array.from(y2.dataSync())).toEqual(Array.from(y1.dataSync()));
    tf.dispose([x, y1, y2]);
    model.dispose();
    loaded.dispose();
  });
  it('rejects an artifact of another task', async () => {
    const files = await encodeVariablesModel('classification', {}, []);
    expect(() => decodeVariablesModel(files, 'recommendation')).toThrow(MlError);
  });
});

describe('dataset files', () => {
  it('reads MovieLens tab-separated ratings and PhraseBank sentence@label lines', () => {
    expect(parseRows('recommendation', '1\t2\t5\t874965758\n3\t4\t1\t1\n')).toEqual([
      { userId: '1', itemId: '2', rating: 5, timestamp: 874965758 },
      { userId: '3', itemId: '4', rating: 1, timestamp: 1 },
    ]);
    expect(parseRows('classification', 'Profit rose by 5 % @ Q1 .@positive\r\nFlat .@neutral\r\n')).toEqual([
      { text: 'Profit rose by 5 % @ Q1 .', label: 'positive' },
      { text: 'Flat .', label: 'neutral' },
    ]);
    expect(parseRows('classification', 'text,label\n"a, b",x\n')).toEqual([{ text: 'a, b', label: 'x' }]);
  });
});
