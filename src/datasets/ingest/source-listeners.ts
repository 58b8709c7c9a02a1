/**
 * How both ingest runs (`ingest.ts`, `threaded-ingest.ts`) listen to an upload's source: the
 * events they handle, and how they stop. The caller owns the source and it is never destroyed.
 */
export interface SourceHandlers {
  data: (chunk: Buffer | string) => void;
  end: () => void;
  error: (err: Error) => void;
  close: () => void;
  /** The client went away (an HTTP request's `aborted`). */
  aborted: () => void;
}

/**
 * Listens to `source` and starts it flowing. The returned function stops listening, once; when the
 * source has not ended, it also pauses it and leaves a no-op `error` listener, since a source we
 * stopped reading may still fail later and must not crash the process.
 */
export function listenToSource(source: NodeJS.ReadableStream, on: SourceHandlers): (ended: boolean) => void {
  source.on('data', on.data).on('end', on.end).on('error', on.error).on('close', on.close).on('aborted', on.aborted);
  source.resume();
  let listening = true;
  return (ended) => {
    if (!listening) return;
    listening = false;
    source.removeListener('data', on.data).removeListener('end', on.end).removeListener('error', on.error)
      .removeListener('close', on.close).removeListener('aborted', on.aborted);
    if (!ended) stopReading(source);
  };
}

/** Pauses a source that was not read to its end, with a no-op `error` listener so a later failure cannot crash the process. */
export function stopReading(source: NodeJS.ReadableStream): void {
  source.on('error', ignore);
  source.pause();
}

const ignore = (): void => undefined;
