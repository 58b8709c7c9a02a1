import type { IncomingMessage } from 'node:http';

/** A request's declared body size (Content-Length), or null when it has none (a chunked body). */
export function contentLength(req: IncomingMessage): number | null {
  const header = req.headers['content-length'];
  const value = Number(header);
  return header !== undefined && Number.isSafeInteger(value) ? value : null;
}
