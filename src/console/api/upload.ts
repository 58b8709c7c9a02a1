/** What the upload URL answers (see docs/api.md, Datasets): the dataset as validated. */
export interface UploadResult {
  status: number;
  dataset: {
    id: string;
    status: string;
    rowCount: number | null;
    errorCount: number;
    errors: { line: number; field: string | null; message: string; code: string }[];
    failureReason: string | null;
  } | null;
  /** With split files: what became of this file, and which splits the dataset still waits for. */
  part?: UploadPart;
  error: string | null;
}

export interface UploadPart {
  split: 'TRAIN' | 'VALIDATION' | 'TEST';
  status: 'RECEIVED' | 'FAILED';
  rowCount: number | null;
  byteSize: number;
  waitingFor: ('TRAIN' | 'VALIDATION' | 'TEST')[];
}

export interface UploadTarget {
  url: string;
  method: string;
  headers: Record<string, unknown>;
}

function parseAnswer(status: number, text: string): UploadResult {
  try {
    const body = JSON.parse(text) as { dataset?: UploadResult['dataset']; part?: UploadPart; errors?: { message: string }[] };
    return { status, dataset: body.dataset ?? null, ...(body.part ? { part: body.part } : {}), error: body.errors?.[0]?.message ?? null };
  } catch {
    return { status, dataset: null, error: status === 0 ? 'The upload was interrupted.' : `The server answered ${status}.` };
  }
}

/**
 * Sends a file to its single-use upload URL with XMLHttpRequest, the one browser API that reports
 * bytes sent while uploading (fetch does not). Resolves with the server's validation result.
 */
export function sendFile(target: UploadTarget, file: Blob, onProgress: (sent: number, total: number) => void, signal?: AbortSignal): Promise<UploadResult> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open(target.method || 'PUT', target.url);
    for (const [name, value] of Object.entries(target.headers)) {
      if (typeof value === 'string') xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => resolve(parseAnswer(xhr.status, xhr.responseText));
    xhr.onerror = () => resolve(parseAnswer(0, ''));
    xhr.onabort = () => resolve({ status: 0, dataset: null, error: 'The upload was cancelled.' });
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}
