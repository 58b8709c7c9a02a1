import { GraphQLError } from 'graphql';

/** Codes in `extensions.code` and in `userErrors.code`. Clients branch on these, never on messages. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'PAYMENT_REQUIRED'
  | 'THROTTLED'
  | 'MAX_COST_EXCEEDED'
  | 'MAX_DEPTH_EXCEEDED'
  /** A hosted provider (OpenAI) refused or failed a call made for the caller; the message is the provider's. */
  | 'UPSTREAM_ERROR'
  | 'INTERNAL_SERVER_ERROR';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401 };
/** HTTP status for an error that rejects a whole request before any resolver runs. */
export const REQUEST_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, THROTTLED: 429, BAD_USER_INPUT: 400, MAX_COST_EXCEEDED: 400, MAX_DEPTH_EXCEEDED: 400 };

/** One field-level problem the caller can fix. */
export interface FieldProblem {
  field: string[] | null;
  message: string;
  code: string;
}

/**
 * The application's error: a code, a message safe to show, and optional field problems.
 * Thrown by services; mapped once: to `userErrors` in mutation payloads (see `toPayload`),
 * to a GraphQL error with `extensions.code` everywhere else.
 */
export class AppError extends GraphQLError {
  readonly code: ErrorCode;
  readonly problems: FieldProblem[];

  constructor(code: ErrorCode, message: string, opts: { field?: string | string[]; problems?: FieldProblem[]; extensions?: Record<string, unknown> } = {}) {
    const status = HTTP_STATUS[code];
    const field = opts.field === undefined ? null : Array.isArray(opts.field) ? opts.field : [opts.field];
    // Top-level errors name the input at fault too (`extensions.field`), as userErrors do.
    super(message, { extensions: { code, ...(field ? { field } : {}), ...(status ? { http: { status } } : {}), ...opts.extensions } });
    this.code = code;
    this.problems = opts.problems ?? [{ field, message, code }];
  }
}

/** Missing and foreign objects get the very same answer. */
export const notFound = (what: string, field: string | string[] = 'id') => new AppError('NOT_FOUND', `${what} not found`, { field });

/** Collects input problems so a caller sees all of them at once. */
export class Problems {
  readonly list: FieldProblem[] = [];
  add(field: string | string[], message: string, code = 'INVALID'): this {
    this.list.push({ field: Array.isArray(field) ? field : [field], message, code });
    return this;
  }
  /** Throws a BAD_USER_INPUT AppError carrying every problem, if any. */
  throwIfAny(): void {
    if (this.list.length) throw new AppError('BAD_USER_INPUT', this.list[0].message, { problems: this.list });
  }
}

/** Codes that a mutation reports in `userErrors` rather than as a top-level error. */
const PAYLOAD_CODES = new Set<ErrorCode>(['BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'PAYMENT_REQUIRED']);

/**
 * Runs a mutation's service call and maps caller-fixable AppErrors into `userErrors`.
 * Anything else (auth, throttling, bugs) propagates as a GraphQL error.
 */
export async function toPayload<P extends { userErrors: FieldProblem[] }>(fn: () => Promise<Omit<P, 'userErrors'>>, empty: Omit<P, 'userErrors'>): Promise<P> {
  try {
    const result = await fn();
    return { ...result, userErrors: [] } as unknown as P;
  } catch (err) {
    if (err instanceof AppError && PAYLOAD_CODES.has(err.code)) {
      return { ...empty, userErrors: err.problems } as unknown as P;
    }
    throw err;
  }
}
