import fs from 'node:fs';
import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const drop = g.__tuneforgeDrop as { admin: string; name: string } | undefined;
  if (drop) {
    const admin = new Client({ connectionString: drop.admin });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${drop.name} WITH (FORCE)`);
    await admin.end();
  }
  const embedded = g.__tuneforgeEmbedded as { stop: () => Promise<void>; dir: string } | undefined;
  if (embedded) {
    await embedded.stop();
    fs.rmSync(embedded.dir, { recursive: true, force: true });
  }
}
