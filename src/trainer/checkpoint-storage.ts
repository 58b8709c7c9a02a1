/**
 * The ML core's `Storage` over the protocol's checkpoint routes.
 *
 * Storage keys are paths (`checkpoints/epoch-0001-step-000000040/model/weights.bin`); the routes
 * take one flat name matching `[A-Za-z0-9._-]+`, so `/` is written as `__`
 * (`checkpoints__epoch-0001-step-000000040__model__weights.bin`). A key whose segments contain
 * `__`, start or end with `_` or hold other characters would not round-trip and is refused.
 *
 * `delete` does nothing: the protocol has no delete route, and checkpoint retention belongs to the
 * API (it keeps every checkpoint of a run until the run is deleted; `cancelRun` keeps them too).
 */
import { checkKey } from '../ml/storage';
import { MlError, type Storage } from '../ml/task';
import type { TrainerClient } from './trainer-client';

/** A segment may hold single underscores, never at its ends (`a_/b` would read back as `a/_b`). */
const SEGMENT = /^[A-Za-z0-9.-]+(?:_[A-Za-z0-9.-]+)*$/;

/** `a/b/c.json` → `a__b__c.json`. */
export function checkpointName(key: string): string {
  const segments = checkKey(key).split('/');
  for (const s of segments) {
    if (!SEGMENT.test(s)) throw new MlError('BAD_ARTIFACT', `storage key "${key}" cannot be sent as a checkpoint name`);
  }
  return segments.join('__');
}

/** `a__b__c.json` → `a/b/c.json`. */
export function checkpointKey(name: string): string {
  return name.split('__').join('/');
}

export class ProtocolStorage implements Storage {
  constructor(private readonly client: TrainerClient) {}

  read(key: string): Promise<Uint8Array> {
    return this.client.getCheckpoint(checkpointName(key));
  }

  write(key: string, bytes: Uint8Array): Promise<void> {
    return this.client.putCheckpoint(checkpointName(key), bytes);
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.client.listCheckpoints()).map(checkpointKey).filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(): Promise<void> {
    // Retention is the API's (see above).
  }
}
