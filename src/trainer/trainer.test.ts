import fs from 'node:fs';
import path from 'node:path';
import type { MetricPoint } from '../ml/task';
import { packArtifact, unpackArtifact } from './artifact-pack';
import { checkpointKey, checkpointName } from './checkpoint-storage';
import { FakeApi, syntheticRatings, type FakeApiOptions } from './fake-api.test-helper';
import { runTrainer, type TrainerOutput } from './trainer';
import type { CompleteBody, RunSpec } from './trainer-client';

jest.setTimeout(30_000);

function makeSpec(hyperparameters: unknown, overrides: Partial<RunSpec> = {}): RunSpec {
  return {
    runId: '6b3a1f9e-0000-4000-8000-000000000001', attempt: 1, task: 'RECOMMENDATION', hyperparameters, seed: 7,
    dataset: { sha256: 'a'.repeat(64), rowCount: 640 }, parent: null, checkpoint: null, ...overrides,
  };
}

const HP = { epochs: 4, factors: 8, batchSize: 64, learningRate: 0.05, earlyStoppingPatience: 0 };

/** Captures the trainer's output lines. */
function capture(): TrainerOutput & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (l) => lines.push(l), error: (l) => lines.push(l) };
}

const fakes: FakeApi[] = [];
async function fake(options: FakeApiOptions): Promise<FakeApi> {
  const api = await new FakeApi(options).start();
  fakes.push(api);
  return api;
}
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

function pointsOf(api: FakeApi): MetricPoint[] {
  return api.sent('/metrics').flatMap((r) => (r.body as { points: MetricPoint[] }).points);
}

function completedCheckpoints(api: FakeApi): string[] {
  return [...api.checkpoints.keys()].map(checkpointKey).filter((k) => k.endsWith('/loop.json'));
}

describe('trainer', () => {
  let uninterrupted: CompleteBody;

  it('trains a run end to end: heartbeats, ordered metric batches, a checkpoint per epoch, artifact, complete better than baseline', async () => {
    const api = await fake({ spec: makeSpec(HP), rows: syntheticRatings() });
    const out = capture();
    const code = await runTrainer(api.env(), out);
    expect(code).toBe(0);

    expect(api.sent('/heartbeat').length).toBeGreaterThanOrEqual(1);
    expect(api.requests[0].route).toBe('/heartbeat'); // the first beat moves the run to RUNNING
    const beats = api.sent('/heartbeat').map((r) => r.body as { progress?: { totalSteps: number; totalEpochs: number } });
    expect(beats[0].progress).toBeUndefined();
    for (const b of beats.filter((x) => x.progress)) expect(b.progress).toMatchObject({ totalEpochs: 4, totalSteps: expect.any(Number) });

    const points = pointsOf(api);
    expect(points.length).toBeGreaterThan(0);
    const steps = points.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(points.filter((p) => p.name === 'rmse' && p.split === 'validation').map((p) => p.epoch)).toEqual([1, 2, 3, 4]);
    const posts = api.sent('/metrics');
    // Batched: one post per ~500 ms at most (arrival times jitter while training blocks the loop), plus the final flush.
    expect(posts.length).toBeLessThanOrEqual(Math.ceil((posts[posts.length - 1].at - posts[0].at) / 500) + 2);
    expect(points.length).toBeGreaterThan(posts.length);
    expect(posts.some((p) => (p.body as { progress?: unknown }).progress)).toBe(true);

    expect(completedCheckpoints(api)).toHaveLength(4); // one per epoch, none deleted
    const events = api.sent('/events').map((e) => e.body as { message: string; data?: { checkpoint?: { key: string; epoch: number } } });
    expect(events.filter((e) => e.data?.checkpoint).map((e) => e.data!.checkpoint!.epoch)).toEqual([1, 2, 3, 4]);

    const complete = api.sent('/complete');
    expect(complete).toHaveLength(1);
    expect(api.requests.findIndex((r) => r.route === '/artifact')).toBeLessThan(api.requests.indexOf(complete[0]));
    const body = complete[0].body as CompleteBody;
    expect(body.evaluation.split).toBe('test');
    expect(body.evaluation.metrics.rmse).toBeLessThan(body.evaluation.baseline.rmse);
    expect(body).toMatchObject({ epochs: 4, steps: expect.any(Number), backend: expect.any(String), examplesPerSecond: expect.any(Number) });
    uninterrupted = body;

    const files = await unpackArtifact(new Uint8Array(api.artifact!));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['metadata.json']));
    expect(JSON.parse(Buffer.from(files['metadata.json']).toString('utf8'))).toMatchObject({ task: 'recommendation', dataHash: 'a'.repeat(64) });
    expect(Buffer.from(await packArtifact(files)).equals(api.artifact!)).toBe(true);

    expect(api.sent('/fail')).toHaveLength(0);
    expect(out.lines.join('\n')).not.toContain(api.token);
  });

  it('stops at once when a heartbeat answers cancel, without complete or fail', async () => {
    // Cancelled by the first heartbeat sent while training (it carries progress).
    let cancelAt = 0;
    const api = await fake({
      spec: makeSpec({ ...HP, epochs: 500 }), rows: syntheticRatings(),
      intercept: (r) => {
        if (r.route !== '/heartbeat' || !(r.body as { progress?: unknown }).progress) return undefined;
        cancelAt ||= r.at;
        return { status: 200, body: { cancel: true } };
      },
    });
    const started = Date.now();
    const code = await runTrainer(api.env({ TUNEFORGE_HEARTBEAT_SECONDS: '0.1' }));
    expect(code).toBe(0);
    expect(cancelAt).toBeGreaterThan(0);
    expect(Date.now() - cancelAt).toBeLessThan(1500);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(api.sent('/complete')).toHaveLength(0);
    expect(api.sent('/fail')).toHaveLength(0);
    expect(api.sent('/artifact')).toHaveLength(0);
    const lastStep = Math.max(...pointsOf(api).map((p) => p.step));
    expect(lastStep).toBeLessThan(500 * 9); // far from the 500 epochs asked for
  });

  it('stops on 409 SUPERSEDED without sending anything else, and a new attempt resumes from the stored checkpoint to the same metrics', async () => {
    const rows = syntheticRatings();
    let superseded = false;
    const first = await fake({
      spec: makeSpec(HP), rows,
      intercept: (r) => {
        if (superseded) return { status: 409, body: { error: 'SUPERSEDED' } };
        // The first complete checkpoint has been stored: from now on this attempt is superseded.
        if (r.method === 'PUT' && r.route.endsWith('__loop.json')) superseded = true;
        return undefined;
      },
    });
    expect(await runTrainer(first.env())).toBe(0);
    const refusedAt = first.requests.findIndex((r) => r.method === 'PUT' && r.route.endsWith('__loop.json'));
    const after = first.requests.slice(refusedAt + 1);
    expect(after.length).toBeLessThanOrEqual(3); // the refused request, plus what was already in flight
    expect(after.filter((r) => ['/complete', '/fail', '/artifact'].includes(r.route))).toEqual([]);
    expect(first.sent('/complete')).toHaveLength(0);
    expect(first.sent('/fail')).toHaveLength(0);
    const stored = completedCheckpoints(first);
    expect(stored).toHaveLength(1);

    const second = await fake({
      spec: makeSpec(HP, { attempt: 2, checkpoint: { key: stored[0].replace(/\/loop\.json$/, ''), epoch: 1, step: 8 } }),
      rows, checkpoints: first.checkpoints,
    });
    const out = capture();
    expect(await runTrainer(second.env(), out)).toBe(0);
    expect(out.lines.join('\n')).toContain('resuming');
    const body = second.sent('/complete')[0].body as CompleteBody;
    if (!uninterrupted) {
      const reference = await fake({ spec: makeSpec(HP), rows });
      expect(await runTrainer(reference.env())).toBe(0);
      uninterrupted = reference.sent('/complete')[0].body as CompleteBody;
    }
    expect(body.evaluation.metrics).toEqual(uninterrupted.evaluation.metrics);
    expect(body.steps).toBe(uninterrupted.steps);
  });

  it('warm-starts from the parent artifact (GET /parent) when the spec names one', async () => {
    const rows = syntheticRatings();
    const parentRun = await fake({ spec: makeSpec({ ...HP, epochs: 2 }), rows });
    expect(await runTrainer(parentRun.env())).toBe(0);
    const child = await fake({
      spec: makeSpec({ ...HP, epochs: 1 }, { parent: { versionId: 'v1' } }), rows,
      intercept: (r) => (r.route === '/parent' ? { status: 200, body: parentRun.artifact! } : undefined),
    });
    expect(await runTrainer(child.env())).toBe(0);
    expect(child.sent('/parent')).toHaveLength(1);
    const files = await unpackArtifact(new Uint8Array(child.artifact!));
    expect(JSON.parse(Buffer.from(files['metadata.json']).toString('utf8')).parentDataHash).toBe('a'.repeat(64));
  });

  it('stops on 401 without reporting anything', async () => {
    const api = await fake({ spec: makeSpec(HP), rows: syntheticRatings() });
    expect(await runTrainer(api.env({ TUNEFORGE_RUN_TOKEN: 'another-runs-token' }))).toBe(0);
    expect(api.requests).toHaveLength(0); // refused before being recorded
  });

  it('fails a bad-hyperparameter run with retryable:false and exits 0', async () => {
    const api = await fake({ spec: makeSpec({ ...HP, factors: 1e9, learningRate: 'fast' }), rows: syntheticRatings() });
    expect(await runTrainer(api.env())).toBe(0);
    const fail = api.sent('/fail');
    expect(fail).toHaveLength(1);
    expect(fail[0].body).toMatchObject({ code: 'INVALID_HYPERPARAMETER', retryable: false, message: expect.stringContaining('learningRate') });
    expect(api.sent('/complete')).toHaveLength(0);
  });

  it('fails damaged dataset rows with BAD_DATA naming the line', async () => {
    const rows = syntheticRatings();
    rows[5] = { split: 'train', userId: 'u1', itemId: 'i1' };
    const api = await fake({ spec: makeSpec(HP), rows });
    expect(await runTrainer(api.env())).toBe(0);
    expect(api.sent('/fail')[0].body).toMatchObject({ code: 'BAD_DATA', retryable: false, message: expect.stringContaining('line 6') });
  });

  it('reports an unexpected error as retryable and exits 1, without printing the token', async () => {
    const api = await fake({
      spec: makeSpec(HP), rows: syntheticRatings(),
      intercept: (r) => (r.route === '/spec' ? { status: 400, body: { error: `bad token ${'secret-run-token-123'}` } } : undefined),
    });
    const out = capture();
    expect(await runTrainer(api.env(), out)).toBe(1);
    expect(api.sent('/fail')[0].body).toMatchObject({ code: 'TRAINER_ERROR', retryable: true });
    expect(JSON.stringify(api.sent('/fail')[0].body)).not.toContain(api.token);
    expect(out.lines.join('\n')).not.toContain(api.token);
  });

  it('exits 1 with a message when the environment is incomplete', async () => {
    const out = capture();
    expect(await runTrainer({}, out)).toBe(1);
    expect(out.lines[0]).toContain('TUNEFORGE_API_URL');
  });

  const datasets = process.env.TUNEFORGE_DATASETS ?? path.resolve(__dirname, '../../../shared/datasets');
  const ml100k = path.join(datasets, 'movielens-100k', 'u.data');
  (fs.existsSync(ml100k) ? it : it.skip)(`trains on a slice of MovieLens-100K${fs.existsSync(ml100k) ? '' : ' [skipped: set TUNEFORGE_DATASETS]'}`, async () => {
    const rows = fs.readFileSync(ml100k, 'utf8').trim().split('\n').slice(0, 5000).map((line, n) => {
      const [userId, itemId, rating, timestamp] = line.split('\t');
      return { split: n % 10 === 0 ? 'test' : n % 10 === 1 ? 'validation' : 'train', userId, itemId, rating: Number(rating), timestamp: Number(timestamp) };
    });
    const api = await fake({ spec: makeSpec({ epochs: 3, factors: 8, batchSize: 256, learningRate: 0.03, earlyStoppingPatience: 0 }), rows });
    expect(await runTrainer(api.env())).toBe(0);
    const body = api.sent('/complete')[0].body as CompleteBody;
    expect(body.evaluation.metrics.rmse).toBeLessThan(body.evaluation.baseline.rmse);
  });
});

describe('checkpoint names', () => {
  it('flattens storage keys into route names and back', () => {
    const key = 'checkpoints/epoch-0001-step-000000040/model/weights.bin';
    expect(checkpointName(key)).toBe('checkpoints__epoch-0001-step-000000040__model__weights.bin');
    expect(checkpointKey(checkpointName(key))).toBe(key);
    expect(checkpointName('a/snake_case.json')).toBe('a__snake_case.json');
    expect(() => checkpointName('a/b__c')).toThrow();
    expect(() => checkpointName('a/b_/c')).toThrow();
    expect(() => checkpointName('a/b c')).toThrow();
  });
});

describe('artifact packing', () => {
  it('round-trips files byte for byte and packs deterministically', async () => {
    const files = { 'metadata.json': new Uint8Array(Buffer.from('{"a":1}')), 'weights.bin': new Uint8Array(2000).map((_, i) => i % 251), 'sub/x.txt': new Uint8Array(0) };
    const bytes = await packArtifact(files);
    const back = await unpackArtifact(bytes);
    expect(Object.keys(back).sort()).toEqual(Object.keys(files).sort());
    for (const k of Object.keys(files)) expect(Buffer.from(back[k]).equals(Buffer.from(files[k as keyof typeof files]))).toBe(true);
    expect(Buffer.from(await packArtifact(files)).equals(Buffer.from(bytes))).toBe(true);
  });
  it('refuses bytes that are not a tar', async () => {
    await expect(unpackArtifact(new Uint8Array(Buffer.from('not a tar at all'.repeat(40))))).rejects.toMatchObject({ code: 'BAD_ARTIFACT' });
  });
});
