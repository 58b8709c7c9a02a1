import type { TextCall } from '../ml/serving';
import type { MlErrorCode } from '../ml/task';

/** What the API thread asks an inference worker (`model-worker.ts`). */
export type WorkerRequest =
  | { id: number; type: 'load'; key: string; artifact: Uint8Array }
  | { id: number; type: 'run'; key: string; call: TextCall; texts: string[] }
  | { id: number; type: 'unload'; key: string }
  | { id: number; type: 'memory' };

/** The answer to request `id`: its value, or the error (an `MlError`'s code, field and details survive the thread boundary). */
export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { message: string; ml?: { code: MlErrorCode; field?: string; details?: Record<string, unknown> } } };
