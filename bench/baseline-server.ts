/**
 * The baseline for bench:api: a minimal graphql-js server over node:http resolving the same data
 * with raw `pg` queries, with the same JWT check but no framework, no RLS transaction, no cost or
 * rate limiting, no logging. What a hand-rolled server costs, to measure our overhead against.
 */
import http from 'node:http';
import { buildSchema, graphql } from 'graphql';
import jwt from 'jsonwebtoken';
import { Pool } from 'pg';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const secret = process.env.JWT_SECRET ?? '';

const schema = buildSchema(`
  type User { email: String! }
  type Membership { id: ID! role: String! user: User! }
  type MembershipEdge { node: Membership! cursor: String! }
  type MembershipConnection { edges: [MembershipEdge!]! }
  type Tenant { id: ID! name: String! members(first: Int!): MembershipConnection! }
  type Viewer { tenant: Tenant! }
  interface Node { id: ID! }
  type Query { viewer: Viewer! node(id: ID!): Membership }
`);

interface Ctx { tenantId: string }

const root = {
  viewer: async (_: unknown, ctx: Ctx) => {
    const { rows } = await pool.query('SELECT id, name FROM tenants WHERE id = $1', [ctx.tenantId]);
    const tenant = rows[0];
    return {
      tenant: {
        id: Buffer.from(`Tenant:${tenant.id}`).toString('base64'),
        name: tenant.name,
        members: async ({ first }: { first: number }) => {
          const r = await pool.query(
            `SELECT m.id, m.role, m.created_at, u.email FROM memberships m JOIN users u ON u.id = m.user_id
              WHERE m.tenant_id = $1 ORDER BY m.created_at, m.id LIMIT $2`,
            [ctx.tenantId, first],
          );
          return {
            edges: r.rows.map((row) => ({
              cursor: Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url'),
              node: { id: Buffer.from(`Membership:${row.id}`).toString('base64'), role: row.role, user: { email: row.email } },
            })),
          };
        },
      },
    };
  },
  node: async ({ id }: { id: string }, ctx: Ctx) => {
    const rowId = Buffer.from(id, 'base64').toString().split(':')[1];
    const { rows } = await pool.query(
      `SELECT m.id, m.role, u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.id = $1 AND m.tenant_id = $2`,
      [rowId, ctx.tenantId],
    );
    return rows[0] ? { id, role: rows[0].role, user: { email: rows[0].email } } : null;
  },
};

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', async () => {
    try {
      const claims = jwt.verify((req.headers.authorization ?? '').replace(/^Bearer /, ''), secret) as jwt.JwtPayload;
      const { query, variables } = JSON.parse(body);
      const result = await graphql({ schema, source: query, rootValue: root, contextValue: { tenantId: claims.tid }, variableValues: variables });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
    } catch (err) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: String(err) }] }));
    }
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
