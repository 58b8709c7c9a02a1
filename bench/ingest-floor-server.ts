/**
 * The transport floor for bench:ingest: a node:http server that does only what every ingest must
 * do with an upload and nothing it can skip — receive the PUT body, sha256 it, write it to a file
 * on the same disk the way the blob store does (4 MiB write buffer, flushed to disk as it is
 * written) and fsync that file before answering. No parsing, no validation, no statistics, no
 * database. The ratio ingest / floor is what the dataset
 * pipeline itself costs; floor / copy is what HTTP, hashing and Node cost before any of it.
 * Usage: node ingest-floor-server.js <port> <dir>
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fsyncPath, syncAsWritten } from '../src/storage/blob-store';

const port = Number(process.argv[2]);
const dir = process.argv[3];
let next = 0;

const server = http.createServer((req, res) => {
  const file = path.join(dir, `floor-${process.pid}-${next++}`);
  const hash = crypto.createHash('sha256');
  const out = fs.createWriteStream(file, { highWaterMark: 4 * 1024 * 1024 });
  syncAsWritten(out);
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
    if (!out.write(chunk)) {
      req.pause();
      out.once('drain', () => req.resume());
    }
  });
  req.on('end', () => {
    out.end(async () => {
      await fsyncPath(file);
      fs.rmSync(file);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') }));
    });
  });
});

server.listen(port, '127.0.0.1', () => process.send?.('ready') ?? console.log('ready'));
