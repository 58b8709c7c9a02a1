import { ArgsType, ClassType, Field, ID, InterfaceType, Int, ObjectType } from 'type-graphql';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { AppError } from './errors';

/** Relay's Node: anything with a global ID, fetchable through `node(id)`. */
@InterfaceType({ description: 'An object with a global ID, fetchable through `node(id:)`.' })
export abstract class Node {
  @Field(() => ID, { description: 'Opaque global ID.' })
  id!: string;
}

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field() hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export const MAX_PAGE_SIZE = 100;

@ArgsType()
export class PageArgs {
  @Field(() => Int, { description: `Page size, 1 to ${MAX_PAGE_SIZE}.` })
  first!: number;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge of the previous page.' })
  after?: string | null;
}

export interface Page<T> {
  edges: { node: T; cursor: string }[];
  nodes: T[];
  pageInfo: PageInfo;
}

/** A `<Name>Connection` object type (with its `<Name>Edge`) for a node type. */
export function ConnectionType<T extends object>(name: string, nodeType: ClassType<T>) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => nodeType) node!: T;
    @Field() cursor!: string;
  }
  @ObjectType(`${name}Connection`)
  class Connection implements Page<T> {
    @Field(() => [Edge]) edges!: Edge[];
    @Field(() => [nodeType], { description: 'The nodes of `edges`, for clients that need no cursors.' }) nodes!: T[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
  }
  return Connection;
}

const encodeCursor = (createdAt: Date, id: string) => Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && !Number.isNaN(Date.parse(value[0])) && /^[0-9a-f-]{36}$/i.test(value[1])) {
      return [value[0], value[1]];
    }
  } catch {
    /* fall through */
  }
  throw new AppError('BAD_USER_INPUT', 'after is not a cursor returned by this connection', { field: 'after' });
}

export function checkPageSize(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new AppError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE_SIZE} (got ${first})`, { field: 'first' });
  }
}

/**
 * Keyset pagination in creation order over `alias.created_at, alias.id`. Fetches one extra row to
 * learn `hasNextPage`; never an OFFSET, so deep pages cost the same as the first.
 */
export async function paginate<E extends ObjectLiteral & { id: string; createdAt: Date }, T>(
  qb: SelectQueryBuilder<E>,
  args: PageArgs,
  present: (row: E) => T,
): Promise<Page<T>> {
  checkPageSize(args.first);
  const alias = qb.alias;
  if (args.after) {
    const [at, id] = decodeCursor(args.after);
    qb.andWhere(`(${alias}.created_at, ${alias}.id) > (:cursorAt, :cursorId)`, { cursorAt: at, cursorId: id });
  }
  const rows = await qb.orderBy(`${alias}.created_at`, 'ASC').addOrderBy(`${alias}.id`, 'ASC').take(args.first + 1).getMany();
  const hasNextPage = rows.length > args.first;
  const page = rows.slice(0, args.first);
  const edges = page.map((row) => ({ node: present(row), cursor: encodeCursor(row.createdAt, row.id) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** The keyset position after `args.after` ([createdAt, id]), or nulls for the first page; for raw SQL pages. */
export function cursorAfter(args: PageArgs): [string | null, string | null] {
  checkPageSize(args.first);
  return args.after ? decodeCursor(args.after) : [null, null];
}

/** A page from rows fetched in (created_at, id) order with LIMIT first + 1. */
export function pageOf<R extends { id: string; createdAt: Date }, T>(rows: R[], args: PageArgs, present: (row: R) => T): Page<T> {
  const hasNextPage = rows.length > args.first;
  const edges = rows.slice(0, args.first).map((row) => ({ node: present(row), cursor: encodeCursor(row.createdAt, row.id) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: { hasNextPage, hasPreviousPage: Boolean(args.after), startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
