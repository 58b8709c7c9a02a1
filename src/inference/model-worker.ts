/**
 * Entry of an inference worker thread (see `ModelWorkerPool`): holds text models loaded from
 * artifact bytes and answers batches, so model compute runs beside the API's event loop instead of
 * blocking it. Messages in: `load`, `run`, `unload`, `memory`; each is answered by its `id`.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'node:worker_threads';
import { answerTexts, LoadedModel, loadModel, TextCall } from '../ml/serving';
import { isMlError } from '../ml/task';
import { unpackArtifact } from '../trainer/artifact-pack';
import type { WorkerReply, WorkerRequest } from './worker-protocol';

const models = new Map<string, LoadedModel>();

async function handle(msg: WorkerRequest): Promise<unknown> {
  switch (msg.type) {
    case 'load': {
      if (!models.has(msg.key)) models.set(msg.key, await loadModel(await unpackArtifact(msg.artifact)));
      const model = models.get(msg.key)!;
      return { task: model.task, bytes: model.bytes };
    }
    case 'run': {
      const model = models.get(msg.key);
      if (!model) throw new Error(`model ${msg.key} is not loaded in this worker`);
      return answerTexts(model.predictor, msg.call as TextCall, msg.texts);
    }
    case 'unload':
      models.get(msg.key)?.dispose();
      models.delete(msg.key);
      return null;
    case 'memory':
      return tf.memory().numTensors;
  }
}

if (!parentPort) throw new Error('model-worker runs only as a worker thread');
const port = parentPort;
port.on('message', (msg: WorkerRequest) => {
  handle(msg).then(
    (value) => port.postMessage({ id: msg.id, ok: true, value } satisfies WorkerReply),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      const ml = isMlError(e) ? { code: e.code, field: e.field, details: e.details } : undefined;
      port.postMessage({ id: msg.id, ok: false, error: { message: e.message, ml } } satisfies WorkerReply);
    },
  );
});
