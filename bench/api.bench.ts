/**
 * bench:api — our API against a minimal graphql-js + raw pg baseline, same data, same machine,
 * same run. Usage: npm run bench:api [-- --duration 20 --connections 50 --only members|node]
 */
import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/bootstrap';
import { freePort } from '../src/db/embedded-postgres';
import { benchDatabase } from './bench-database';

// autocannon ships no types; this is the slice of its result we read.
interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: object) => Promise<CannonResult>;

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DURATION = arg('duration', 20);
const CONNECTIONS = arg('connections', 50);
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const DIST = path.resolve(__dirname, '..');

const MEMBERS_QUERY = `{ viewer { tenant { members(first: 50) { edges { node { user { email } role } } } } } }`;
const NODE_QUERY = `query($id: ID!) { node(id: $id) { id ... on Membership { role user { email } } } }`;


function start(script: string, args: string[], env: Record<string, string>, readyUrl: string | null): Promise<ChildProcess> {
  const child = fork(script, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    if (!readyUrl) child.once('message', () => resolve(child));
    else {
      const poll = async () => {
        const ok = await fetch(readyUrl).then((r) => r.ok, () => false);
        if (ok) resolve(child);
        else setTimeout(poll, 200);
      };
      void poll();
    }
  });
}

async function post(url: string, token: string, query: string, variables: object = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
}

/** CPU seconds (user + system) of a process, from /proc (Linux); 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** The Postgres processes of the bench's own cluster (the postmaster whose command line names its data dir, and its children). */
function postgresPids(dataDir: string | null): number[] {
  if (!dataDir) return [];
  const procs = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const postmaster = procs.find((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
    } catch {
      return false;
    }
  });
  if (postmaster === undefined) return [];
  return [postmaster, ...procs.filter((pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
    } catch {
      return false;
    }
  })];
}

/**
 * CPU per request of the server and of Postgres during a measurement: steadier than req/s on a
 * shared machine, where other jobs take cores but not this process's CPU time.
 */
async function withCpu<T extends { total: number }>(serverPid: number, dataDir: string | null, run: () => Promise<T>): Promise<T & { serverMs: number; postgresMs: number }> {
  const before = new Map([serverPid, ...postgresPids(dataDir)].map((pid) => [pid, cpuSeconds(pid)]));
  const result = await run();
  const after = [serverPid, ...postgresPids(dataDir)];
  const delta = (pid: number) => cpuSeconds(pid) - (before.get(pid) ?? 0);
  const serverMs = (delta(serverPid) * 1000) / result.total;
  const postgresMs = (after.filter((pid) => pid !== serverPid).reduce((sum, pid) => sum + delta(pid), 0) * 1000) / result.total;
  return { ...result, serverMs, postgresMs };
}

async function measure(url: string, token: string, query: string, variables: object) {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { rps: result.requests.average, total: result.requests.total, p50: result.latency.p50, p99: result.latency.p99, failures: result.non2xx + result.errors };
}

async function main() {
  const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const db = await benchDatabase('tuneforge_bench');
  const children: ChildProcess[] = [];
  try {
    const migrated = await openDatabase(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' }), pino({ level: 'silent' }), { migrate: true });
    await migrated.close();

    const [ourPort, basePort] = [await freePort(), await freePort()];
    const ours = `http://127.0.0.1:${ourPort}/graphql`;
    const base = `http://127.0.0.1:${basePort}/graphql`;
    children.push(await start(path.join(DIST, 'src/main.js'), ['serve'], {
      DATABASE_URL: db.url, PORT: String(ourPort), HOST: '127.0.0.1', JWT_SECRET, LOG_LEVEL: 'info',
      RATE_LIMIT_CAPACITY: '10000000', RATE_LIMIT_RESTORE_RATE: '10000000', NODE_ENV: 'production',
    }, `http://127.0.0.1:${ourPort}/readyz`));
    children.push(await start(path.join(DIST, 'bench/baseline-server.js'), [], { DATABASE_URL: db.url, PORT: String(basePort), JWT_SECRET }, null));

    // Seed: one tenant with 50 members.
    const signUp = await fetch(ours, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation { signUp(input: {email: "owner@bench.test", password: "bench password", tenantName: "Bench"}) { token tenant { id } } }` }),
    }).then((r) => r.json() as Promise<{ data: { signUp: { token: string; tenant: { id: string } } } }>);
    const token = signUp.data.signUp.token;
    const tenantId = Buffer.from(signUp.data.signUp.tenant.id, 'base64').toString().split(':')[1];
    const c = new Client({ connectionString: db.url });
    await c.connect();
    await c.query(
      `WITH u AS (INSERT INTO users (email, password_hash) SELECT 'member' || g || '@bench.test', 'x' FROM generate_series(1, 49) g RETURNING id)
       INSERT INTO memberships (tenant_id, user_id, role) SELECT $1, id, 'MEMBER' FROM u`,
      [tenantId],
    );
    const { rows } = await c.query(`SELECT id FROM memberships WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1`, [tenantId]);
    await c.end();
    const nodeId = Buffer.from(`Membership:${rows[0].id}`).toString('base64');

    // Both servers must answer the same data before they are timed.
    for (const url of [ours, base]) {
      const m = await post(url, token, MEMBERS_QUERY);
      const n = await post(url, token, NODE_QUERY, { id: nodeId });
      if (m.data?.viewer.tenant.members.edges.length !== 50 || n.data?.node?.role !== 'MEMBER') throw new Error(`${url} answered wrongly: ${JSON.stringify({ m, n }).slice(0, 500)}`);
    }

    const rowsOut: string[] = [];
    const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
    for (const [label, query, variables] of [['members(first: 50)', MEMBERS_QUERY, {}], ['node(id)', NODE_QUERY, { id: nodeId }]] as const) {
      if (only && !label.startsWith(only)) continue;
      await measure(ours, token, query, variables).catch(() => null); // warm-up is the first second of each run anyway
      const a = await withCpu(children[0].pid!, db.dataDir, () => measure(ours, token, query, variables));
      const b = await withCpu(children[1].pid!, db.dataDir, () => measure(base, token, query, variables));
      const cpu = (r: typeof a) => (db.dataDir ? `${r.serverMs.toFixed(2)} + ${r.postgresMs.toFixed(2)}` : `${r.serverMs.toFixed(2)} + ?`);
      rowsOut.push(`| ${label} | ${a.rps.toFixed(0)} | ${a.p50} / ${a.p99} | ${cpu(a)} | ${b.rps.toFixed(0)} | ${b.p50} / ${b.p99} | ${cpu(b)} | **${(a.rps / b.rps).toFixed(2)}×** | ${a.failures} / ${b.failures} |`);
    }
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log(`\nbench:api — ${CONNECTIONS} connections × ${DURATION} s each; ${os.cpus().length} × ${cpu}; Node ${process.version}; Postgres ${process.env.DATABASE_URL ? 'at DATABASE_URL' : 'embedded'}\n`);
    console.log(`load average before / after: ${loadBefore} / ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; CPU ms per request: the server + its Postgres backends${db.dataDir ? '' : ' (not counted on a shared DATABASE_URL server)'}\n`);
    console.log('| query | Tuneforge req/s | p50 / p99 ms | CPU ms/req | baseline req/s | p50 / p99 ms | CPU ms/req | ratio | non-2xx+errors |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of rowsOut) console.log(r);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await db.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
