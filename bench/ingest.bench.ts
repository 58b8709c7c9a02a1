/**
 * bench:ingest — upload synthetic ratings CSVs (1 GB and 5 GB; `--quick`: 100 MB) through the real
 * HTTP endpoint and report MB/s and the server's peak RSS, beside `cat file > /dev/null`, a durable
 * file copy (`cp` then `sync` of the copy: the server fsyncs its blob before answering) and a plain
 * `cp` on the same disk, measured in the same run, and the transport floor: the same client's PUT to
 * a bare node:http server that only hashes the body and writes it durably to the same disk
 * (`ingest-floor-server.ts`), which no ingest can beat.
 * Usage: npm run bench:ingest [-- --quick] [-- --sizes 1024,5120]  (sizes in MiB)
 *        [-- --input file.csv]  (upload this file instead of generated ones; it is kept)
 * BENCH_SERVER_NODE_ARGS adds Node flags to the server (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../src/db/embedded-postgres';
import { BenchDatabase, benchDatabase } from './bench-database';

const quick = process.argv.includes('--quick');
const sizesArg = process.argv.indexOf('--sizes');
const SIZES_MIB = sizesArg > 0 ? process.argv[sizesArg + 1].split(',').map(Number) : quick ? [100] : [1024, 5120];
const inputArg = process.argv.indexOf('--input');
const INPUT = inputArg > 0 ? path.resolve(process.argv[inputArg + 1]) : null;
const MAIN = path.resolve(__dirname, '../src/main.js');
const WORK = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'tuneforge-ingest-'));
fs.chmodSync(WORK, 0o755);

/** A ratings CSV of about `mib` MiB: 100k users × 50k items, ratings 0.5–5 in halves, timestamps. */
function generate(file: string, mib: number): void {
  const target = mib * 1024 * 1024;
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'userId,movieId,rating,timestamp\n');
  let written = 0;
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  while (written < target) {
    let chunk = '';
    for (let i = 0; i < 20000; i++) chunk += `${1 + Math.floor(rand() * 100000)},${1 + Math.floor(rand() * 50000)},${(1 + Math.floor(rand() * 10)) / 2},${1500000000 + Math.floor(rand() * 1e8)}\n`;
    written += fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
}

const seconds = (fn: () => void) => { const t = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - t) / 1e9; };

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** CPU seconds (user + system, all threads) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3] + fields[4]; // idle, iowait
  return { busy: (total - idle) / 100, total: total / 100 };
}

async function gql(url: string, query: string, variables: object, token?: string) {
  const init = { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) };
  // Generating a file blocks this process for longer than the server's keep-alive timeout, so the
  // pooled connection may have been closed meanwhile ("other side closed", EPIPE): retry once on a fresh one.
  const res = await fetch(url, init).catch((err: Error & { cause?: { code?: string } }) => {
    if (!['UND_ERR_SOCKET', 'EPIPE', 'ECONNRESET'].includes(err.cause?.code ?? '')) throw err;
    return fetch(url, init);
  });
  return (await res.json()) as { data: Record<string, any> };
}

/**
 * The client: curl when installed (`curl -T`, as docs/api.md uploads), which costs about half
 * the CPU of a Node client; the server shares its two cores with it here, while a real client
 * runs elsewhere. BENCH_CLIENT=node forces the Node client.
 */
const CURL = process.env.BENCH_CLIENT !== 'node' && fs.existsSync('/usr/bin/curl') ? '/usr/bin/curl' : null;

function putFile(url: string, file: string): Promise<{ status: number; body: string }> {
  if (CURL) {
    return new Promise((resolve, reject) => {
      execFile(CURL, ['-sS', '-T', file, '-H', 'content-type: text/csv', '-w', '\n%{http_code}', url], { maxBuffer: 64 << 20 }, (err, stdout) => {
        if (err) return reject(err);
        const cut = stdout.lastIndexOf('\n');
        resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) });
      });
    });
  }
  return putFileNode(url, file);
}

function putFileNode(url: string, file: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers: { 'content-length': String(fs.statSync(file).size), 'content-type': 'text/csv' } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    fs.createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(req);
  });
}

async function main() {
  let server: ChildProcess | null = null;
  let floorServer: ChildProcess | null = null;
  let db: BenchDatabase | null = null;
  try {
    db = await benchDatabase('tuneforge_ingest');
    const dbUrl = db.url;
    const port = await freePort();
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    server = spawn(process.execPath, [...nodeArgs, MAIN, 'serve'], {
      env: { ...process.env, DATABASE_URL: dbUrl, MIGRATE_ON_START: 'true', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: path.join(WORK, 'data'), LOG_LEVEL: 'warn', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789', DATASET_MAX_FILE_BYTES: String(64 * 1024 ** 3), DATASET_MAX_TOTAL_BYTES: String(256 * 1024 ** 3), BILLING_PLANS: JSON.stringify({ free: { datasetBytes: 256 * 1024 ** 3 } }) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const url = `http://127.0.0.1:${port}/graphql`;
    const floorPort = await freePort();
    const floorDir = path.join(WORK, 'floor');
    fs.mkdirSync(floorDir);
    floorServer = spawn(process.execPath, [path.resolve(__dirname, 'ingest-floor-server.js'), String(floorPort), floorDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise((resolve, reject) => floorServer!.once('message', resolve).once('exit', reject));
    for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 300));
    const signUp = await gql(url, `mutation { signUp(input: {email: "ingest@bench.test", password: "bench password", tenantName: "Bench"}) { token } }`, {});
    const token = signUp.data.signUp.token as string;

    const rows: string[] = [];
    for (const mib of INPUT ? [0] : SIZES_MIB) {
      const file = INPUT ?? path.join(WORK, `ratings-${mib}.csv`);
      if (!INPUT) {
        process.stderr.write(`generating ${mib} MiB…\n`);
        generate(file, mib);
        execFileSync('sync'); // the new file's writeback would otherwise slow the copies measured next
      }
      const bytes = fs.statSync(file).size;
      const cat = seconds(() => execFileSync('sh', ['-c', `cat '${file}' > /dev/null`]));
      const plainCopy = seconds(() => execFileSync('cp', [file, `${file}.copy`]));
      fs.rmSync(`${file}.copy`);
      // The honest baseline: the server's blob is fsynced before it answers, so the copy is too.
      const copy = seconds(() => execFileSync('sh', ['-c', `cp '${file}' '${file}.copy' && sync '${file}.copy'`]));
      fs.rmSync(`${file}.copy`);
      const f0 = process.hrtime.bigint();
      const floorRes = await putFile(`http://127.0.0.1:${floorPort}/`, file);
      const floor = Number(process.hrtime.bigint() - f0) / 1e9;
      if (floorRes.status !== 200 || JSON.parse(floorRes.body).bytes !== bytes) throw new Error(`floor upload failed: ${floorRes.body}`);
      const created = await gql(url, `mutation($input: CreateDatasetUploadInput!) { createDatasetUpload(input: $input) { upload { url } userErrors { message } } }`, { input: { name: `synthetic ${mib}`, task: 'RECOMMENDATION', format: 'CSV', byteSize: bytes } }, token);
      const rssBefore = peakRssMb(server.pid!);
      const load = os.loadavg()[0];
      const cpu0 = cpuSeconds(server.pid!);
      const machine0 = machineCpu();
      const t0 = process.hrtime.bigint();
      const res = await putFile(created.data.createDatasetUpload.upload.url, file);
      const ingest = Number(process.hrtime.bigint() - t0) / 1e9;
      const serverCpu = cpuSeconds(server.pid!) - cpu0;
      const machine1 = machineCpu();
      const machineBusy = machine1.busy - machine0.busy;
      const machineTotal = machine1.total - machine0.total;
      const outcome = JSON.parse(res.body).dataset;
      if (res.status !== 200) throw new Error(`upload failed: ${res.body.slice(0, 500)}`);
      const mb = bytes / 1e6;
      rows.push(`| ${(bytes / 1024 ** 3).toFixed(2)} GiB (${outcome.rowCount.toLocaleString('en')} rows) | ${load.toFixed(2)} → ${os.loadavg()[0].toFixed(2)} | ${ingest.toFixed(1)} s, ${(mb / ingest).toFixed(0)} MB/s | ${serverCpu.toFixed(1)} s | ${machineBusy.toFixed(1)} of ${machineTotal.toFixed(1)} s | ${cat.toFixed(1)} s | ${copy.toFixed(1)} s | ${plainCopy.toFixed(1)} s | ${floor.toFixed(1)} s (${(floor / copy).toFixed(2)}× the durable copy) | **${(ingest / copy).toFixed(2)}×** | ${(ingest / plainCopy).toFixed(2)}× | ${(ingest / floor).toFixed(2)}× | ${peakRssMb(server.pid!).toFixed(0)} MiB (before: ${rssBefore.toFixed(0)}) |`);
      if (!INPUT) fs.rmSync(file);
    }
    console.log(`\nbench:ingest — ${os.cpus().length} × ${os.cpus()[0]?.model}; Node ${process.version}; disk: ${WORK}; client: ${CURL ? 'curl -T' : 'node http'}\n`);
    console.log('| file | 1-min load (start → end of upload) | ingest through PUT | server CPU (all threads) | machine CPU busy (all cores) | cat > /dev/null | cp + sync (durable copy) | cp (plain) | transport floor (PUT, sha256, write, fsync) | ingest / durable copy | ingest / plain cp | ingest / floor | server peak RSS |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
  } finally {
    server?.kill('SIGTERM');
    floorServer?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await db?.cleanup();
    fs.rmSync(WORK, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
