import fs from 'node:fs';
import path from 'node:path';
import { corpusBleu } from '../src/ml/metrics/bleu';
import { readAeslc, readMulti30k } from '../src/ml/tasks/text-datasets';
import { docOperations, RUN_WITH_TRAINED_MODELS } from './doc-operations';
import { createApiKey, datasetsDir, gql, signUp, startTestApi, TestApi, TestUser } from './helpers';

/**
 * The model registry and inference, end to end: small models trained on slices of the real
 * datasets through the run API (local executor), then invoked over GraphQL.
 */
const DATA = datasetsDir();
const withData = DATA ? describe : describe.skip;
if (!DATA) console.warn('skipping inference tests: shared/datasets not found (set TUNEFORGE_DATASETS)');

const LAUNCH = `mutation($input: LaunchRunInput!) { launchRun(input: $input) { run { id } userErrors { field message code } } }`;
const RUN = `query($id: ID!) { run(id: $id) { status error { message } modelVersion { id version model { id name } } } }`;
const RECOMMEND = `query($model: ModelRef!, $userId: String!, $limit: Int, $excludeSeen: Boolean, $candidates: [String!]) {
  recommend(model: $model, userId: $userId, limit: $limit, excludeSeen: $excludeSeen, candidates: $candidates) { modelVersion { id version } coldStart items { itemId score } } }`;
const TRANSLATE = `query($model: ModelRef!, $texts: [String!]!) { translate(model: $model, texts: $texts) { modelVersion { version } translations truncated } }`;
const CLASSIFY = `query($model: ModelRef!, $texts: [String!]!) { classify(model: $model, texts: $texts) { modelVersion { version } predictions { label score scores { label score } truncated } } }`;
const SUMMARIZE = `query($model: ModelRef!, $texts: [String!]!) { summarize(model: $model, texts: $texts, maxSentences: 1) { summaries truncated } }`;
const SET_ALIAS = `mutation($modelId: ID!, $alias: String!, $versionId: ID!) { setModelAlias(modelId: $modelId, alias: $alias, versionId: $versionId) {
  alias { name version { id version } } previousVersion { version } userErrors { field message code } } }`;

const rowId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1];
const lines = (file: string) => fs.readFileSync(path.join(DATA!, file), 'utf8').split('\n').filter((l) => l.trim());

async function upload(t: TestApi, user: TestUser, name: string, task: string, format: string, body: string, options: Record<string, unknown> = {}): Promise<string> {
  const res = await gql(t.url, `mutation($input: CreateDatasetUploadInput!) { createDatasetUpload(input: $input) { upload { url } dataset { id } userErrors { message } } }`, {
    input: { name, task, format, options },
  }, { token: user.token });
  const p = res.data?.createDatasetUpload;
  if (!p?.upload) throw new Error(`createDatasetUpload ${name}: ${JSON.stringify(res)}`);
  const put = await fetch(p.upload.url, { method: 'PUT', body });
  const result = (await put.json()) as { dataset: { status: string } };
  if (result.dataset.status !== 'READY') throw new Error(`${name} did not load: ${JSON.stringify(result)}`);
  return p.dataset.id;
}

async function train(t: TestApi, user: TestUser, input: Record<string, unknown>): Promise<{ id: string; version: number; modelId: string }> {
  const launched = (await gql(t.url, LAUNCH, { input }, { token: user.token })).data!.launchRun;
  expect(launched.userErrors).toEqual([]);
  const until = Date.now() + 240_000;
  for (;;) {
    const run = (await gql(t.url, RUN, { id: launched.run.id }, { token: user.token })).data!.run;
    if (run.status === 'SUCCEEDED') return { id: run.modelVersion.id, version: run.modelVersion.version, modelId: run.modelVersion.model.id };
    if (run.status === 'FAILED' || run.status === 'CANCELLED' || Date.now() > until) throw new Error(`run ${input.modelName} ended ${run.status}: ${JSON.stringify(run.error)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

withData('model registry and inference on models trained through the run API', () => {
  let t: TestApi;
  let a: TestUser;
  let b: TestUser;
  // Recommendation: the first 6,000 MovieLens ratings train; later ratings of the same users are held out.
  const ratings = DATA ? lines('movielens-100k/u.data').map((l) => l.split('\t')) : [];
  const uploaded = ratings.slice(0, 6000);
  const heldOut = ratings.slice(6000, 30_000);
  const pairs = DATA ? readMulti30k('train', 3000)!.filter((p) => p.source.split(' ').length <= 5).slice(0, 24) : [];
  const phrases = DATA ? lines('financial-phrasebank/phrasebank_50agree.utf8.tsv') : [];
  const emails = DATA ? readAeslc('train', 300)! : [];
  let rec1: { id: string; version: number; modelId: string };
  let rec2: { id: string; version: number; modelId: string };
  let translation: { id: string; modelId: string };
  let classifier: { id: string; modelId: string };
  let summarizer: { id: string; modelId: string };

  beforeAll(async () => {
    t = await startTestApi({ DISPATCHER_ENABLED: 'true', RUN_HEARTBEAT_SECONDS: '0.5', LOCAL_EXECUTOR_CONCURRENCY: '2', INFERENCE_BATCH_WINDOW_MS: '5', INFERENCE_USAGE_FLUSH_SECONDS: '3600' });
    [a, b] = await Promise.all([signUp(t.url), signUp(t.url)]);
    const [recData, trData, clsData, sumData] = await Promise.all([
      upload(t, a, 'ml-100k head', 'RECOMMENDATION', 'TSV', uploaded.map((r) => r.join('\t')).join('\n')),
      // Nearly everything trains (no validation split: the best weights are chosen on the training rows): the check is on training sentences.
      upload(t, a, 'multi30k short', 'TRANSLATION', 'JSONL', pairs.map((p) => JSON.stringify(p)).join('\n'), { splits: { train: 0.95, validation: 0, test: 0.05 } }),
      upload(t, a, 'phrasebank slice', 'CLASSIFICATION', 'TSV', phrases.slice(0, 801).join('\n')),
      upload(t, a, 'aeslc slice', 'SUMMARIZATION', 'JSONL', emails.map((e) => JSON.stringify({ document: e.document, summary: e.summary })).join('\n')),
    ]);
    const translationHp = {
      epochs: 50, batchSize: 8, learningRate: 0.02, warmupSteps: 0, lrSchedule: 'constant', clipNorm: 1, sourceVocabSize: 400, targetVocabSize: 400,
      embeddingSize: 48, hiddenSize: 64, dropout: 0, labelSmoothing: 0, lowercase: true, earlyStoppingPatience: 0,
    };
    [rec1, translation, classifier, summarizer] = await Promise.all([
      train(t, a, { modelName: 'ml100k-rec', task: 'RECOMMENDATION', datasetId: recData, hyperparameters: { epochs: 4, seed: 7 } }),
      train(t, a, { modelName: 'de-en', task: 'TRANSLATION', datasetId: trData, hyperparameters: translationHp }),
      train(t, a, { modelName: 'sentiment', task: 'CLASSIFICATION', datasetId: clsData, hyperparameters: { epochs: 4, seed: 5 } }),
      train(t, a, { modelName: 'email-subjects', task: 'SUMMARIZATION', datasetId: sumData, hyperparameters: { epochs: 2, batchSize: 32, embeddingSize: 16, hiddenSize: 16, buckets: 4096 } }),
    ]);
    // A second version of the same model, trained differently, for the alias tests.
    rec2 = await train(t, a, { modelName: 'ml100k-rec', task: 'RECOMMENDATION', datasetId: recData, hyperparameters: { epochs: 1, seed: 11, factors: 8 } });
  }, 600_000);
  afterAll(async () => { await t?.stop(); });

  const call = (query: string, variables: Record<string, unknown>, token = a.token) => gql(t.url, query, variables, { token });

  it('recommends unseen items, ranks a user\'s held-out liked items far above random, and answers unknown users with popular items', async () => {
    const byUser = new Map<string, Set<string>>();
    for (const [u, i] of uploaded) byUser.set(u, (byUser.get(u) ?? new Set()).add(i));
    const users = [...byUser.entries()].filter(([, items]) => items.size >= 20).map(([u]) => u).slice(0, 15);
    expect(users.length).toBe(15);
    const percentiles: number[] = [];
    for (const user of users) {
      const all = (await call(RECOMMEND, { model: { name: 'ml100k-rec', alias: 'latest' }, userId: user, limit: 1000, excludeSeen: false })).data!.recommend;
      const unseen = (await call(RECOMMEND, { model: { name: 'ml100k-rec', alias: 'latest' }, userId: user, limit: 1000 })).data!.recommend;
      expect(unseen.coldStart).toBe(false);
      // What excludeSeen removed are items this user rated (its training-split ratings), and most of them.
      const ranked = new Set(unseen.items.map((x: { itemId: string }) => x.itemId));
      const removed = all.items.map((x: { itemId: string }) => x.itemId).filter((id: string) => !ranked.has(id));
      for (const id of removed) expect(byUser.get(user)!.has(id)).toBe(true);
      expect(removed.length).toBeGreaterThan(byUser.get(user)!.size * 0.6);
      // Scores best first.
      const scores = unseen.items.map((x: { score: number }) => x.score);
      expect(scores).toEqual([...scores].sort((x, y) => y - x));
      const order = unseen.items.map((x: { itemId: string }) => x.itemId);
      for (const [u, item, rating] of heldOut) {
        if (u !== user || Number(rating) < 4 || byUser.get(user)!.has(item)) continue;
        const at = order.indexOf(item);
        percentiles.push(at < 0 ? 1 : at / order.length);
      }
    }
    expect(percentiles.length).toBeGreaterThan(100);
    const mean = percentiles.reduce((s, p) => s + p, 0) / percentiles.length;
    expect(mean).toBeLessThan(0.45); // random ranking: 0.5

    const cold = (await call(RECOMMEND, { model: { name: 'ml100k-rec', alias: 'latest' }, userId: 'nobody-we-know', limit: 5 })).data!.recommend;
    expect(cold.coldStart).toBe(true);
    expect(cold.items).toHaveLength(5);
    const candidates = (await call(RECOMMEND, { model: { versionId: rec1.id }, userId: users[0], limit: 2, candidates: ['50', '181', '100'] })).data!.recommend;
    expect(candidates.items.map((x: { itemId: string }) => x.itemId).every((id: string) => ['50', '181', '100'].includes(id))).toBe(true);
    const unknownItem = await call(RECOMMEND, { model: { versionId: rec1.id }, userId: users[0], candidates: ['no-such-item'] });
    expect(unknownItem.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: ['candidates'] } });
    expect(unknownItem.errors?.[0].message).toContain('no-such-item');
  });

  it('translates training sentences far better than copying the source', async () => {
    const sources = pairs.map((p) => p.source);
    const res = (await call(TRANSLATE, { model: { id: translation.modelId }, texts: sources })).data!.translate;
    expect(res.translations).toHaveLength(sources.length);
    expect(res.truncated).toEqual(sources.map(() => false));
    const references = [pairs.map((p) => p.target.toLowerCase())];
    const model = corpusBleu(res.translations, references).score;
    const copy = corpusBleu(sources.map((s) => s.toLowerCase()), references).score;
    expect(model).toBeGreaterThan(copy + 15);
  });

  it('classifies into the dataset\'s labels with probabilities that sum to 1, in input order', async () => {
    const texts = phrases.slice(900, 920).map((l) => l.split('\t')[0]);
    const res = (await call(CLASSIFY, { model: { name: 'sentiment' }, texts })).data!.classify;
    expect(res.predictions).toHaveLength(20);
    for (const p of res.predictions) {
      expect(['positive', 'negative', 'neutral']).toContain(p.label);
      expect(p.scores.map((s: { label: string }) => s.label).sort()).toEqual(['negative', 'neutral', 'positive']);
      expect(p.scores.reduce((s: number, x: { score: number }) => s + x.score, 0)).toBeCloseTo(1, 5);
      expect(p.score).toBe(p.scores[0].score);
    }
    // Input order: each text alone gets the label it got in the batch.
    const single = (await call(CLASSIFY, { model: { name: 'sentiment' }, texts: [texts[7]] })).data!.classify.predictions[0];
    expect(single.label).toBe(res.predictions[7].label);
    expect(single.score).toBeCloseTo(res.predictions[7].score, 6);
  });

  it('summarizes with sentences of the document', async () => {
    const docs = emails.slice(0, 3).map((e) => e.document);
    const res = (await call(SUMMARIZE, { model: { name: 'email-subjects' }, texts: docs })).data!.summarize;
    expect(res.summaries).toHaveLength(3);
    res.summaries.forEach((s: string, i: number) => {
      expect(s.length).toBeGreaterThan(0);
      for (const word of s.split(/\s+/).slice(0, 5)) expect(docs[i]).toContain(word);
    });
  });

  it('refuses bad input with specific errors, and flags (not refuses) over-long texts', async () => {
    const empty = await call(CLASSIFY, { model: { name: 'sentiment' }, texts: [] });
    expect(empty.errors?.[0]).toMatchObject({ message: 'texts must hold 1 to 64 texts (got 0)', extensions: { code: 'BAD_USER_INPUT', field: ['texts'] } });
    const tooMany = await call(CLASSIFY, { model: { name: 'sentiment' }, texts: Array.from({ length: 65 }, () => 'profit rose') });
    expect(tooMany.errors?.[0].message).toBe('texts must hold 1 to 64 texts (got 65)');
    const huge = 'Operating profit rose strongly . '.repeat(32_768); // ~1 MiB
    const long = await call(CLASSIFY, { model: { name: 'sentiment' }, texts: [huge, 'profit fell'] });
    expect(long.errors).toBeUndefined();
    expect(long.data!.classify.predictions.map((p: { truncated: boolean }) => p.truncated)).toEqual([true, false]);
    const wrongTask = await call(TRANSLATE, { model: { name: 'sentiment' }, texts: ['hallo'] });
    expect(wrongTask.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: ['model'], modelTask: 'CLASSIFICATION', requiredTask: 'TRANSLATION' } });
    expect(wrongTask.errors?.[0].message).toBe('model "sentiment" is a classification model; translate needs a translation model (use classify)');
    const twoRefs = await call(CLASSIFY, { model: { name: 'sentiment', versionId: classifier.id }, texts: ['x'] });
    expect(twoRefs.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: ['model'] } });
    const noAlias = await call(CLASSIFY, { model: { name: 'sentiment', alias: 'staging' }, texts: ['x'] });
    expect(noAlias.errors?.[0]).toMatchObject({ message: 'model "sentiment" has no alias "staging"', extensions: { code: 'NOT_FOUND' } });
  });

  it('moves aliases atomically: invoking by alias follows the move; concurrent moves end consistent', async () => {
    const set = (alias: string, versionId: string, modelId = rec1.modelId) => call(SET_ALIAS, { modelId, alias, versionId });
    const first = (await set('production', rec1.id)).data!.setModelAlias;
    expect(first).toMatchObject({ alias: { name: 'production', version: { version: rec1.version } }, previousVersion: null, userErrors: [] });
    const user = uploaded[0][0];
    const v1 = (await call(RECOMMEND, { model: { name: 'ml100k-rec' }, userId: user, limit: 5 })).data!.recommend;
    expect(v1.modelVersion.version).toBe(rec1.version);
    const moved = (await set('production', rec2.id)).data!.setModelAlias;
    expect(moved.previousVersion).toEqual({ version: rec1.version });
    const v2 = (await call(RECOMMEND, { model: { name: 'ml100k-rec' }, userId: user, limit: 5 })).data!.recommend;
    expect(v2.modelVersion.version).toBe(rec2.version);
    expect(v2.items).not.toEqual(v1.items);

    const moves = await Promise.all(Array.from({ length: 20 }, (_, i) => set('staging', i % 2 ? rec1.id : rec2.id)));
    expect(moves.every((r) => r.data!.setModelAlias.userErrors.length === 0)).toBe(true);
    const model = (await call(`query($id: ID!) { node(id: $id) { ... on Model { aliases { name version { id } } latestVersion { version } } } }`, { id: rec1.modelId })).data!.node;
    expect(model.aliases.map((x: { name: string }) => x.name)).toEqual(['production', 'staging']);
    const staging = model.aliases[1].version.id;
    expect([rec1.id, rec2.id]).toContain(staging);
    const invoked = (await call(RECOMMEND, { model: { id: rec1.modelId, alias: 'staging' }, userId: user })).data!.recommend;
    expect(invoked.modelVersion.id).toBe(staging);
    expect(model.latestVersion.version).toBe(rec2.version);

    const foreignVersion = (await set('production', classifier.id)).data!.setModelAlias.userErrors;
    expect(foreignVersion[0]).toMatchObject({ field: ['versionId'], code: 'BAD_USER_INPUT' });
    expect((await set('latest', rec1.id)).data!.setModelAlias.userErrors[0]).toMatchObject({ field: ['alias'], code: 'RESERVED_ALIAS' });
    expect((await set('42', rec1.id)).data!.setModelAlias.userErrors[0]).toMatchObject({ field: ['alias'], code: 'INVALID_ALIAS' });
  });

  it('a second replica follows alias moves and key revocations at once (NOTIFY), not when its caches expire', async () => {
    // Caches that would hold stale answers for a minute: anything seen sooner came through the invalidation.
    const other = await startTestApi({ MODEL_REF_CACHE_MS: '60000', API_KEY_CACHE_MS: '60000' });
    try {
      const key = await createApiKey(t.url, a.token, ['models:invoke']);
      const user = uploaded[0][0];
      const invokeThere = () => gql(other.url, RECOMMEND, { model: { name: 'ml100k-rec' }, userId: user, limit: 3 }, { token: key.secret });
      /** Polls the other replica for up to 3 s until `done`; returns the last answer. */
      const until = async (done: (r: Awaited<ReturnType<typeof invokeThere>>) => boolean) => {
        const deadline = Date.now() + 3000;
        let r = await invokeThere();
        while (!done(r) && Date.now() < deadline) {
          await new Promise((ok) => setTimeout(ok, 50));
          r = await invokeThere();
        }
        return r;
      };
      await call(SET_ALIAS, { modelId: rec1.modelId, alias: 'production', versionId: rec1.id });
      expect((await until((r) => r.data?.recommend.modelVersion.version === rec1.version)).data!.recommend.modelVersion.version).toBe(rec1.version);
      await call(SET_ALIAS, { modelId: rec1.modelId, alias: 'production', versionId: rec2.id });
      expect((await until((r) => r.data?.recommend.modelVersion.version === rec2.version)).data!.recommend.modelVersion.version).toBe(rec2.version);

      await gql(t.url, `mutation($id: ID!) { revokeApiKey(id: $id) { userErrors { code } } }`, { id: key.id }, { token: a.token });
      const refused = await until((r) => r.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED');
      expect(refused.errors?.[0]).toMatchObject({ message: 'API key has been revoked', extensions: { code: 'UNAUTHENTICATED' } });
    } finally {
      await other.stop();
    }
  });

  it('deletes a version only when no alias points to it; a deleted version is not found, its lineage stays', async () => {
    const del = (id: string) => call(`mutation($id: ID!) { deleteModelVersion(id: $id) { version { version deletedAt } userErrors { field message code } } }`, { id });
    await call(SET_ALIAS, { modelId: rec1.modelId, alias: 'production', versionId: rec1.id });
    await call(SET_ALIAS, { modelId: rec1.modelId, alias: 'staging', versionId: rec1.id });
    const conflict = (await del(rec2.id)).data!.deleteModelVersion;
    expect(conflict.userErrors).toEqual([]); // nothing points to version 2 any more
    expect(conflict.version.deletedAt).not.toBeNull();
    const aliased = (await del(rec1.id)).data!.deleteModelVersion.userErrors[0];
    expect(aliased).toMatchObject({ field: ['id'], code: 'CONFLICT', message: 'aliases "production", "staging" point to this version: move or delete them first' });
    const gone = await call(RECOMMEND, { model: { versionId: rec2.id }, userId: '1' });
    expect(gone.errors?.[0]).toMatchObject({ message: `version ${rec2.version} of model "ml100k-rec" was deleted`, extensions: { code: 'NOT_FOUND' } });
    const versions = (await call(`query($id: ID!) { node(id: $id) { ... on Model { live: versions(first: 10) { nodes { version } } all: versions(first: 10, includeDeleted: true) { nodes { version deletedAt } } } } }`, { id: rec1.modelId })).data!.node;
    expect(versions.live.nodes).toEqual([{ version: rec1.version }]);
    expect(versions.all.nodes).toHaveLength(2);
    // With production on version 1 and version 2 gone, `latest` is version 1 again.
    expect((await call(RECOMMEND, { model: { name: 'ml100k-rec', alias: 'latest' }, userId: '1' })).data!.recommend.modelVersion.version).toBe(rec1.version);
  });

  it('runs the documented model and inference operations of docs/api.md as written', async () => {
    const ops = docOperations();
    const run = async (name: string, variables: Record<string, unknown>) => {
      const res = await call(ops.get(name)!, variables);
      expect({ name, errors: res.errors }).toEqual({ name, errors: undefined });
      return res.data!;
    };
    const models = (await run('Models', {})).models.nodes;
    expect(models.map((m: { name: string }) => m.name).sort()).toEqual(['de-en', 'email-subjects', 'ml100k-rec', 'sentiment']);
    const rec = models.find((m: { name: string }) => m.name === 'ml100k-rec');
    expect(rec.versions.nodes[0].version).toBe(1);
    expect(rec.versions.nodes[0].createdBy.email).toBe(a.email);
    const set = (await run('SetModelAlias', { modelId: rec.id, versionId: rec1.id })).setModelAlias;
    expect(set.alias.version.version).toBe(1);
    const resolved = (await run('ModelVersion', { model: { name: 'ml100k-rec', alias: 'production' } })).modelVersion;
    expect(resolved.id).toBe(rec1.id);
    const compared = (await run('CompareModelVersions', { ids: [rec1.id, rec2.id] })).compareModelVersions;
    expect(compared.sameDataset).toBe(true);
    const rmse = compared.versions.map((v: { metrics: { name: string; value: number; rank: number }[] }) => v.metrics.find((x) => x.name === 'rmse')!);
    expect(rmse.map((x: { rank: number }) => x.rank).sort()).toEqual([1, 2]);
    const recommended = (await run('Recommend', { userId: uploaded[0][0] })).recommend;
    expect(recommended.items).toHaveLength(10);
    expect((await run('Translate', { texts: [pairs[0].source] })).translate.translations).toHaveLength(1);
    expect((await run('Summarize', { texts: [emails[0].document] })).summarize.summaries).toHaveLength(1);
    // The documented Classify names the production alias: set it first.
    await call(SET_ALIAS, { modelId: classifier.modelId, alias: 'production', versionId: classifier.id });
    expect((await run('Classify', { texts: ['Operating profit rose to EUR 13.1 mn'] })).classify.predictions).toHaveLength(1);
    await call(SET_ALIAS, { modelId: classifier.modelId, alias: 'staging', versionId: classifier.id });
    expect((await run('DeleteModelAlias', { modelId: classifier.modelId })).deleteModelAlias).toEqual({ deletedAlias: 'staging', userErrors: [] });
    const conflict = (await run('DeleteModelVersion', { id: classifier.id })).deleteModelVersion;
    expect(conflict.userErrors[0]).toMatchObject({ code: 'CONFLICT', field: ['id'] });
    for (const name of RUN_WITH_TRAINED_MODELS) expect(ops.has(name)).toBe(true);
  });

  it('hides every model from another tenant: lists are empty and every reference is NOT_FOUND', async () => {
    expect((await call(`{ models(first: 10) { nodes { id } } }`, {}, b.token)).data!.models.nodes).toEqual([]);
    for (const model of [{ versionId: classifier.id }, { id: classifier.modelId }, { name: 'sentiment' }]) {
      const res = await call(CLASSIFY, { model, texts: ['profit rose'] }, b.token);
      expect(res.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    }
    const missing = await call(CLASSIFY, { model: { name: 'no-such-model' }, texts: ['x'] }, b.token);
    const foreign = await call(CLASSIFY, { model: { name: 'sentiment' }, texts: ['x'] }, b.token);
    expect(foreign.errors?.[0].message).toBe(missing.errors?.[0].message.replace('no-such-model', 'sentiment'));
    expect((await call(`query($id: ID!) { node(id: $id) { id } }`, { id: classifier.id }, b.token)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('needs the models:invoke scope', async () => {
    const reader = await createApiKey(t.url, a.token, ['models:read']);
    const res = await call(CLASSIFY, { model: { name: 'sentiment' }, texts: ['x'] }, reader.secret);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'models:invoke' });
  });

  it('loads an artifact once for concurrent first calls, batches concurrent calls, and leaks no tensors over 1,000 calls', async () => {
    const { cache, batcher } = t.api.services.inference;
    cache.evict(rowId(classifier.id));
    const loadsBefore = cache.stats().loads;
    const batchesBefore = batcher.stats();
    const texts = phrases.slice(1000, 1016).map((l) => l.split('\t')[0]);
    const results = await Promise.all(texts.map((text) => call(CLASSIFY, { model: { versionId: classifier.id }, texts: [text] })));
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    expect(cache.stats().loads - loadsBefore).toBe(1);
    const batches = batcher.stats();
    // 16 concurrent one-text calls ran in fewer batches than calls.
    expect(batches.items - batchesBefore.items).toBe(16);
    expect(batches.batches - batchesBefore.batches).toBeLessThan(16);
    expect(batches.largestBatch).toBeGreaterThan(1);

    const tensors = await t.api.services.inference.numTensors();
    for (let i = 0; i < 1000; i += 20) {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, j) => call(CLASSIFY, { model: { versionId: classifier.id }, texts: [texts[(i + j) % texts.length]] })));
      expect(answers.filter((r) => r.errors)).toEqual([]);
    }
    expect(await t.api.services.inference.numTensors()).toBe(tensors);
  }, 120_000);

  it.each([
    ['in the API thread', '0'],
    ['in a worker thread', '1'],
  ])('evicts under a small byte budget and frees the evicted model\'s tensors (text models %s)', async (_where, workers) => {
    const small = await startTestApi({ INFERENCE_CACHE_BYTES: '1', INFERENCE_WORKERS: workers });
    try {
      const inference = small.api.services.inference;
      expect(inference.workers?.size ?? 0).toBe(Number(workers));
      const tensors = await inference.numTensors();
      const cache = inference.cache;
      expect((await gql(small.url, CLASSIFY, { model: { name: 'sentiment' }, texts: ['profit rose'] }, { token: a.token })).errors).toBeUndefined();
      const withClassifier = await inference.numTensors();
      expect(withClassifier).toBeGreaterThan(tensors);
      expect((await gql(small.url, TRANSLATE, { model: { name: 'de-en' }, texts: [pairs[0].source] }, { token: a.token })).errors).toBeUndefined();
      expect(cache.stats()).toMatchObject({ entries: 1, evictions: 1, loads: 2 });
      expect(cache.has(rowId(classifier.id))).toBe(false);
      cache.clear();
      expect(await inference.numTensors()).toBe(tensors);
    } finally {
      await small.stop();
    }
  });

  it('replaces a crashed inference worker: calls fail only while it is down, then reload the model', async () => {
    const own = await startTestApi({ INFERENCE_WORKERS: '1' });
    try {
      const classify = () => gql(own.url, CLASSIFY, { model: { name: 'sentiment' }, texts: ['profit rose', 'the loss widened'] }, { token: a.token });
      const before = await classify();
      expect(before.errors).toBeUndefined();
      const inFlight = classify();
      await own.api.services.inference.workers!.crashForTest(0);
      const during = await inFlight; // answered before the crash, or failed with a masked internal error: never hangs
      if (during.errors) expect(during.errors[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      const after = await classify();
      expect(after.errors).toBeUndefined();
      expect(after.data!.classify.predictions).toEqual(before.data!.classify.predictions);
      expect(own.api.services.inference.cache.stats().loads).toBe(2);
    } finally {
      await own.stop();
    }
  });

  it('counts every call into the usage ledger as inference_requests', async () => {
    const counted = async (user: TestUser) => {
      await t.api.services.inferenceUsage.flush();
      const [row] = await t.api.database.dataSource.query(`SELECT coalesce(sum(quantity), 0)::int AS n FROM usage_records WHERE tenant_id = $1 AND meter = 'inference_requests'`, [rowId(user.tenantId)]);
      return row.n as number;
    };
    const before = await counted(a);
    for (let i = 0; i < 7; i++) await call(CLASSIFY, { model: { name: 'sentiment' }, texts: ['profit rose', 'profit fell'] });
    await call(CLASSIFY, { model: { name: 'sentiment' }, texts: [] }); // refused: not counted
    expect((await counted(a)) - before).toBe(7);
    expect(await counted(b)).toBe(0); // tenant b's calls were all NOT_FOUND
  });

  it('limits each API key separately from the query-cost bucket, and reports it in extensions', async () => {
    const limited = await startTestApi({ INFERENCE_RATE_LIMIT_CAPACITY: '3', INFERENCE_RATE_LIMIT_RESTORE_RATE: '0.01' });
    try {
      const [k1, k2] = [await createApiKey(t.url, a.token, ['models:invoke']), await createApiKey(t.url, a.token, ['models:invoke'])];
      const invoke = (key: string) => gql(limited.url, CLASSIFY, { model: { name: 'sentiment' }, texts: ['profit rose'] }, { token: key });
      const answers = [await invoke(k1.secret), await invoke(k1.secret), await invoke(k1.secret)];
      expect(answers.map((r) => r.extensions?.inference.throttleStatus.currentlyAvailable)).toEqual([2, 1, 0]);
      const refused = await invoke(k1.secret);
      expect(refused.errors?.[0].extensions).toMatchObject({ code: 'THROTTLED', retryAfterMs: expect.any(Number) });
      expect(refused.extensions?.cost.throttleStatus.currentlyAvailable).toBeGreaterThan(0); // the query-cost bucket is not what refused it
      expect((await invoke(k2.secret)).errors).toBeUndefined();
      // Each invoking field of an operation (fragments included) is one request from the bucket.
      const k3 = await createApiKey(t.url, a.token, ['models:invoke']);
      const twice = await gql(limited.url, `query($t: [String!]!) { one: classify(model: {name: "sentiment"}, texts: $t) { modelVersion { version } } ...Again }
        fragment Again on Query { two: classify(model: {name: "sentiment"}, texts: $t) { modelVersion { version } } }`, { t: ['profit rose'] }, { token: k3.secret });
      expect(twice.errors).toBeUndefined();
      expect(twice.extensions?.inference.throttleStatus.currentlyAvailable).toBe(1);
    } finally {
      await limited.stop();
    }
  });

  it('enforces the plan\'s inference requests per minute across all of a tenant\'s callers, naming the plan', async () => {
    const planned = await startTestApi({ BILLING_PLANS: JSON.stringify({ free: { inferenceRequestsPerMinute: 2 } }) });
    try {
      const [k1, k2] = [await createApiKey(t.url, a.token, ['models:invoke']), await createApiKey(t.url, a.token, ['models:invoke'])];
      const invoke = (key: string) => gql(planned.url, CLASSIFY, { model: { name: 'sentiment' }, texts: ['profit rose'] }, { token: key });
      const first = await invoke(k1.secret);
      expect(first.errors).toBeUndefined();
      expect(first.extensions?.inference.plan).toMatchObject({ name: 'free', requestsPerMinute: 2, throttleStatus: { maximumAvailable: 2, currentlyAvailable: 1 } });
      expect((await invoke(k2.secret)).errors).toBeUndefined();
      const refused = await invoke(k2.secret); // k2's own bucket is full: the plan's is what refuses
      expect(refused.errors?.[0]).toMatchObject({ message: expect.stringContaining('the free plan allows 2 inference requests per minute'), extensions: { code: 'THROTTLED', retryAfterMs: expect.any(Number) } });
      expect(refused.errors?.[0].extensions?.retryAfterMs).toBeLessThanOrEqual(30_000);
      // Another tenant's plan bucket is its own.
      expect((await gql(planned.url, CLASSIFY, { model: { name: 'sentiment' }, texts: ['x'] }, { token: b.token })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    } finally {
      await planned.stop();
    }
  });
});
