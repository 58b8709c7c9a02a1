import crypto from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A local S3 for tests: path-style addressing, objects in memory, and exactly the operations the
 * blob store sends — PutObject, CreateMultipartUpload, UploadPart(Copy), CompleteMultipartUpload,
 * AbortMultipartUpload, CopyObject, GetObject, HeadObject, DeleteObject, DeleteObjects,
 * ListObjectsV2 — with S3's XML shapes, status codes and error codes. Any SigV4 Authorization
 * header is accepted (its presence is checked, not its signature); a signed payload hash must
 * match the body, as S3 checks.
 */

export interface FakeObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
  contentType: string;
}

interface MultipartUpload {
  bucket: string;
  key: string;
  parts: Map<number, { body: Buffer; etag: string }>;
}

/** One request as the fake understood it (for assertions such as "several parts were sent"). */
export interface FakeS3Request {
  op: string;
  bucket: string;
  key: string;
  bytes: number;
}

const MIN_PART_BYTES = 5 * 1024 * 1024;
const xmlHeader = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
const unesc = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#x?[0-9a-fA-F]+;/g, (e) => String.fromCodePoint(e[2] === 'x' ? parseInt(e.slice(3, -1), 16) : parseInt(e.slice(2, -1), 10))).replace(/&amp;/g, '&');
const md5 = (b: Buffer) => crypto.createHash('md5').update(b).digest();
const tags = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]!);

class S3Failure extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly resource = '') {
    super(message);
  }
}
const noSuchKey = (key: string) => new S3Failure(404, 'NoSuchKey', 'The specified key does not exist.', key);

/** Decodes `Content-Encoding: aws-chunked` bodies (the SDK's streaming uploads with trailing checksums). */
function decodeAwsChunked(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) throw new S3Failure(400, 'IncompleteBody', 'malformed aws-chunked body');
    const size = parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new S3Failure(400, 'IncompleteBody', 'malformed aws-chunked chunk size');
    if (size === 0) return Buffer.concat(out);
    out.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

export class FakeS3 {
  readonly objects = new Map<string, FakeObject>();
  readonly uploads = new Map<string, MultipartUpload>();
  readonly requests: FakeS3Request[] = [];
  /** Operations that answer 403 AccessDenied (a non-retryable failure) while listed. */
  readonly failing = new Set<string>();
  /** Bytes of parts and objects received so far (for bounded-memory checks while a stream is being written). */
  receivedBytes = 0;
  private server: http.Server | null = null;
  private readonly buckets: Set<string>;

  /** @param maxKeys page size of ListObjectsV2 when the client asks for more (S3: 1000). */
  constructor(buckets: string[], private readonly maxKeys = 1000) {
    this.buckets = new Set(buckets);
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        const f = err instanceof S3Failure ? err : new S3Failure(500, 'InternalError', String(err));
        this.sendError(req, res, f);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The object under `bucket/key`, or undefined. */
  object(bucket: string, key: string): FakeObject | undefined {
    return this.objects.get(`${bucket}/${key}`);
  }

  keys(bucket: string, prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`)).map((k) => k.slice(bucket.length + 1)).sort();
  }

  /** Makes an object look `ms` older (S3 has no way to set LastModified). */
  age(bucket: string, key: string, ms: number): void {
    const o = this.object(bucket, key);
    if (!o) throw new Error(`no object ${bucket}/${key}`);
    o.lastModified = new Date(o.lastModified.getTime() - ms);
  }

  ops(op: string): FakeS3Request[] {
    return this.requests.filter((r) => r.op === op);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const q = url.searchParams;
    const [, rawBucket = '', ...rest] = url.pathname.split('/');
    const bucket = decodeURIComponent(rawBucket);
    const key = rest.map(decodeURIComponent).join('/');
    const method = req.method ?? 'GET';
    let raw = await this.body(req);
    if (!/^AWS4-HMAC-SHA256 Credential=[^,]+, ?SignedHeaders=[^,]+, ?Signature=[0-9a-f]{64}$/.test(req.headers.authorization ?? '')) {
      throw new S3Failure(403, 'AccessDenied', 'Access Denied');
    }
    const declared = String(req.headers['x-amz-content-sha256'] ?? '');
    if (/^[0-9a-f]{64}$/.test(declared) && declared !== crypto.createHash('sha256').update(raw).digest('hex')) {
      throw new S3Failure(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    if (String(req.headers['content-encoding'] ?? '').split(',').map((s) => s.trim()).includes('aws-chunked')) raw = decodeAwsChunked(raw);
    if (!this.buckets.has(bucket)) throw new S3Failure(404, 'NoSuchBucket', 'The specified bucket does not exist', bucket);
    const copySource = req.headers['x-amz-copy-source'] as string | undefined;

    const op = !key
      ? method === 'GET' && q.get('list-type') === '2' ? 'ListObjectsV2'
        : method === 'POST' && q.has('delete') ? 'DeleteObjects'
          : null
      : method === 'PUT' && q.has('uploadId') ? (copySource ? 'UploadPartCopy' : 'UploadPart')
        : method === 'PUT' ? (copySource ? 'CopyObject' : 'PutObject')
          : method === 'POST' && q.has('uploads') ? 'CreateMultipartUpload'
            : method === 'POST' && q.has('uploadId') ? 'CompleteMultipartUpload'
              : method === 'DELETE' && q.has('uploadId') ? 'AbortMultipartUpload'
                : method === 'DELETE' ? 'DeleteObject'
                  : method === 'GET' ? 'GetObject'
                    : method === 'HEAD' ? 'HeadObject'
                      : null;
    if (!op) throw new S3Failure(501, 'NotImplemented', `the fake does not implement ${method} ${url.pathname}${url.search}`);
    this.requests.push({ op, bucket, key, bytes: raw.length });
    if (this.failing.has(op)) throw new S3Failure(403, 'AccessDenied', 'Access Denied');
    const id = `${bucket}/${key}`;

    switch (op) {
      case 'PutObject': {
        this.receivedBytes += raw.length;
        const etag = `"${md5(raw).toString('hex')}"`;
        this.objects.set(id, { body: raw, etag, lastModified: new Date(), contentType: String(req.headers['content-type'] ?? 'binary/octet-stream') });
        return this.send(res, 200, '', { etag, ...this.echoChecksum(req) });
      }
      case 'CreateMultipartUpload': {
        const uploadId = crypto.randomBytes(16).toString('base64url');
        this.uploads.set(uploadId, { bucket, key, parts: new Map() });
        return this.sendXml(res, 200, `<InitiateMultipartUploadResult xmlns="${NS}"><Bucket>${esc(bucket)}</Bucket><Key>${esc(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`);
      }
      case 'UploadPart':
      case 'UploadPartCopy': {
        const upload = this.upload(q.get('uploadId')!, bucket, key);
        const partNumber = Number(q.get('partNumber'));
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) throw new S3Failure(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
        let body = raw;
        if (op === 'UploadPartCopy') {
          const source = this.copySourceObject(copySource!);
          const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers['x-amz-copy-source-range'] ?? ''));
          body = range ? source.body.subarray(Number(range[1]), Number(range[2]) + 1) : source.body;
        } else {
          this.receivedBytes += raw.length;
        }
        const etag = `"${md5(body).toString('hex')}"`;
        upload.parts.set(partNumber, { body, etag });
        if (op === 'UploadPartCopy') {
          return this.sendXml(res, 200, `<CopyPartResult xmlns="${NS}"><LastModified>${new Date().toISOString()}</LastModified><ETag>${esc(etag)}</ETag></CopyPartResult>`);
        }
        return this.send(res, 200, '', { etag, ...this.echoChecksum(req) });
      }
      case 'CompleteMultipartUpload': {
        const uploadId = q.get('uploadId')!;
        const upload = this.upload(uploadId, bucket, key);
        const listed = tags(raw.toString('utf8'), 'Part').map((p) => ({ n: Number(tags(p, 'PartNumber')[0]), etag: unesc(tags(p, 'ETag')[0] ?? '') }));
        if (listed.length === 0) throw new S3Failure(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
        const bodies: Buffer[] = [];
        const digests: Buffer[] = [];
        listed.forEach((p, i) => {
          if (i > 0 && p.n <= listed[i - 1]!.n) throw new S3Failure(400, 'InvalidPartOrder', 'The list of parts was not in ascending order.');
          const part = upload.parts.get(p.n);
          if (!part || part.etag.replace(/"/g, '') !== p.etag.replace(/"/g, '')) throw new S3Failure(400, 'InvalidPart', 'One or more of the specified parts could not be found.');
          if (i < listed.length - 1 && part.body.length < MIN_PART_BYTES) throw new S3Failure(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
          bodies.push(part.body);
          digests.push(md5(part.body));
        });
        const etag = `"${md5(Buffer.concat(digests)).toString('hex')}-${listed.length}"`;
        this.objects.set(id, { body: Buffer.concat(bodies), etag, lastModified: new Date(), contentType: 'binary/octet-stream' });
        this.uploads.delete(uploadId);
        return this.sendXml(res, 200, `<CompleteMultipartUploadResult xmlns="${NS}"><Location>http://${esc(String(req.headers.host))}/${esc(id)}</Location><Bucket>${esc(bucket)}</Bucket><Key>${esc(key)}</Key><ETag>${esc(etag)}</ETag></CompleteMultipartUploadResult>`);
      }
      case 'AbortMultipartUpload': {
        this.upload(q.get('uploadId')!, bucket, key);
        this.uploads.delete(q.get('uploadId')!);
        return this.send(res, 204, '');
      }
      case 'CopyObject': {
        const source = this.copySourceObject(copySource!);
        const copy = { ...source, body: Buffer.from(source.body), lastModified: new Date() };
        this.objects.set(id, copy);
        return this.sendXml(res, 200, `<CopyObjectResult xmlns="${NS}"><LastModified>${copy.lastModified.toISOString()}</LastModified><ETag>${esc(copy.etag)}</ETag></CopyObjectResult>`);
      }
      case 'GetObject':
      case 'HeadObject': {
        const o = this.objects.get(id);
        if (!o) throw noSuchKey(key);
        const headers = { 'content-type': o.contentType, 'content-length': String(o.body.length), etag: o.etag, 'last-modified': o.lastModified.toUTCString(), 'accept-ranges': 'bytes' };
        res.writeHead(200, { ...headers, 'x-amz-request-id': crypto.randomBytes(8).toString('hex') });
        res.end(op === 'GetObject' ? o.body : undefined);
        return;
      }
      case 'DeleteObject':
        this.objects.delete(id);
        return this.send(res, 204, '');
      case 'DeleteObjects': {
        const xml = raw.toString('utf8');
        const quiet = tags(xml, 'Quiet')[0] === 'true';
        const keys = tags(xml, 'Object').map((o) => unesc(tags(o, 'Key')[0] ?? ''));
        if (keys.length === 0 || keys.length > 1000) throw new S3Failure(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
        for (const k of keys) this.objects.delete(`${bucket}/${k}`);
        const deleted = quiet ? '' : keys.map((k) => `<Deleted><Key>${esc(k)}</Key></Deleted>`).join('');
        return this.sendXml(res, 200, `<DeleteResult xmlns="${NS}">${deleted}</DeleteResult>`);
      }
      case 'ListObjectsV2': {
        const prefix = q.get('prefix') ?? '';
        const maxKeys = Math.min(Number(q.get('max-keys') ?? 1000), this.maxKeys);
        const after = q.get('continuation-token') ? Buffer.from(q.get('continuation-token')!, 'base64url').toString('utf8') : (q.get('start-after') ?? '');
        const urlEncode = q.get('encoding-type') === 'url';
        const all = this.keys(bucket, prefix).filter((k) => k > after);
        const page = all.slice(0, maxKeys);
        const truncated = all.length > page.length;
        const enc = (k: string) => esc(urlEncode ? encodeURIComponent(k).replace(/%2F/g, '/') : k);
        const contents = page
          .map((k) => {
            const o = this.objects.get(`${bucket}/${k}`)!;
            return `<Contents><Key>${enc(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${esc(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
          })
          .join('');
        const token = q.get('continuation-token');
        return this.sendXml(
          res,
          200,
          `<ListBucketResult xmlns="${NS}"><Name>${esc(bucket)}</Name><Prefix>${enc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
            (urlEncode ? '<EncodingType>url</EncodingType>' : '') +
            `<IsTruncated>${truncated}</IsTruncated>${contents}` +
            (token ? `<ContinuationToken>${esc(token)}</ContinuationToken>` : '') +
            (truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1]!).toString('base64url')}</NextContinuationToken>` : '') +
            '</ListBucketResult>',
        );
      }
    }
  }

  private upload(uploadId: string, bucket: string, key: string): MultipartUpload {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) {
      throw new S3Failure(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', uploadId);
    }
    return upload;
  }

  private copySourceObject(header: string): FakeObject {
    const [path] = decodeURIComponent(header).replace(/^\//, '').split('?');
    const o = this.objects.get(path!);
    if (!o) throw noSuchKey(path!.split('/').slice(1).join('/'));
    return o;
  }

  private echoChecksum(req: http.IncomingMessage): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of ['x-amz-checksum-crc32', 'x-amz-checksum-crc32c', 'x-amz-checksum-sha1', 'x-amz-checksum-sha256', 'x-amz-checksum-crc64nvme']) {
      const v = req.headers[name];
      if (typeof v === 'string') out[name] = v;
    }
    return out;
  }

  private body(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  private send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'x-amz-request-id': crypto.randomBytes(8).toString('hex'), ...headers });
    res.end(body);
  }

  private sendXml(res: http.ServerResponse, status: number, xml: string): void {
    this.send(res, status, xmlHeader + xml, { 'content-type': 'application/xml' });
  }

  private sendError(req: http.IncomingMessage, res: http.ServerResponse, f: S3Failure): void {
    if (res.headersSent) return void res.destroy();
    const requestId = crypto.randomBytes(8).toString('hex');
    if (req.method === 'HEAD') {
      // HEAD responses have no body: S3 answers 404 with the status alone (the SDK names it NotFound).
      res.writeHead(f.status, { 'x-amz-request-id': requestId });
      res.end();
      return;
    }
    this.send(res, f.status, `${xmlHeader}<Error><Code>${f.code}</Code><Message>${esc(f.message)}</Message>${f.resource ? `<Key>${esc(f.resource)}</Key>` : ''}<RequestId>${requestId}</RequestId></Error>`, {
      'content-type': 'application/xml',
      'x-amz-request-id': requestId,
    });
  }
}
