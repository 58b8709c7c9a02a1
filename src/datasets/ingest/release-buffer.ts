/**
 * Frees a Buffer's memory now instead of at the next garbage collection. Only for a chunk that
 * owns its whole ArrayBuffer (an HTTP body chunk: Node copies each into a fresh one) and that no
 * one reads again: its bytes are moved into a message to a closed port, which drops them, and
 * the Buffer becomes empty (a detached ArrayBuffer). Shared or small buffers are left alone.
 *
 * Why: V8 counts the bytes of ArrayBuffers it has not collected yet against the old generation's
 * limit. A large upload read by the WebAssembly row reader allocates little on the JavaScript heap,
 * so young collections were rare and the dead 64 KB body chunks piled up between them (~27 MB):
 * on a server whose heap limit had settled close to its live size, that started a full
 * mark-compact every few MB (40–80 per GB, `bench:ingest`, 2026-11-29), which cost more CPU
 * than the parsing.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';

/** Below this a Buffer may be a slice of Node's shared 8 KB pool; such are never released anyway (offset, length), this is a second guard. */
const MIN_RELEASE_BYTES = 16 * 1024;

let sinkPort: MessagePort | null = null;

function closedPort(): MessagePort {
  if (!sinkPort) {
    const channel = new MessageChannel();
    channel.port2.close(); // messages to port1 are dropped, and their transferred memory freed
    channel.port1.unref();
    sinkPort = channel.port1;
  }
  return sinkPort;
}

/** Whether `buf` owns all of its ArrayBuffer (so releasing it can affect no other Buffer). */
export function ownsMemory(buf: Buffer): boolean {
  return buf.byteOffset === 0 && buf.buffer.byteLength === buf.length && buf.length >= MIN_RELEASE_BYTES && !(buf.buffer instanceof SharedArrayBuffer);
}

/** Releases `buf`'s memory when it owns it; true when it did (`buf` is then empty). */
export function releaseBuffer(buf: Buffer): boolean {
  if (!ownsMemory(buf)) return false;
  closedPort().postMessage(null, [buf.buffer as ArrayBuffer]);
  return true;
}
