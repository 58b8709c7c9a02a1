/**
 * Artifact files ⇄ one tar (ustar) byte string, the body of `PUT /artifact` and `GET /parent`.
 *
 * A plain tar so operators can look inside with `tar tf`, and so the inference side reads it back
 * with the same `unpackArtifact`. Packing is deterministic (names sorted, mtime 0, mode 0644, no
 * owner): the same files always give the same bytes. Only regular files are packed and unpacked;
 * names are `/`-separated relative paths checked like storage keys (no `..`, no absolute paths).
 */
import { extract, pack } from 'tar-stream';
import { checkKey } from '../ml/storage';
import { MlError, type ArtifactFiles } from '../ml/task';

const EPOCH = new Date(0);

/** Serializes artifact files into a tar. */
export async function packArtifact(files: ArtifactFiles): Promise<Uint8Array> {
  const tar = pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of tar) chunks.push(chunk as Buffer);
  })();
  for (const name of Object.keys(files).sort()) {
    checkKey(name);
    const bytes = files[name];
    await new Promise<void>((resolve, reject) => {
      tar.entry({ name, size: bytes.byteLength, mode: 0o644, mtime: EPOCH, type: 'file' }, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err) => (err ? reject(err) : resolve()));
    });
  }
  tar.finalize();
  await collected;
  return new Uint8Array(Buffer.concat(chunks));
}

/** Reads a tar made by {@link packArtifact} (or any ustar of regular files) back into files. */
export async function unpackArtifact(bytes: Uint8Array): Promise<ArtifactFiles> {
  const files: ArtifactFiles = {};
  const tar = extract();
  const done = (async () => {
    for await (const entry of tar) {
      const parts: Buffer[] = [];
      for await (const chunk of entry) parts.push(chunk as Buffer);
      const type = entry.header.type ?? 'file';
      if (type === 'directory') continue;
      if (type !== 'file' && type !== 'contiguous-file') throw new MlError('BAD_ARTIFACT', `artifact entry "${entry.header.name}" is a ${type}, not a file`);
      const name = entry.header.name.replace(/^\.\//, '');
      checkKey(name);
      files[name] = new Uint8Array(Buffer.concat(parts));
    }
  })();
  tar.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  try {
    await done;
  } catch (e) {
    if (e instanceof MlError) throw e;
    throw new MlError('BAD_ARTIFACT', `the artifact is not a readable tar: ${(e as Error).message}`, { cause: e });
  }
  return files;
}
