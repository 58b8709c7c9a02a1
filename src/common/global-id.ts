import { fromGlobalId as decode } from 'graphql-relay';
import { AppError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Opaque Relay ID for a row: base64 of `Type:uuid`, as graphql-relay's `toGlobalId` writes it, but
 * with Node's native encoder (graphql-relay's portable one builds the string a character at a time,
 * and a page of 50 members makes 100 of these).
 */
export const toGlobalId = (type: string, id: string): string => Buffer.from(`${type}:${id}`, 'utf8').toString('base64');

/** The type and row id behind a global ID, or null when it is not one of ours. */
export function parseGlobalId(globalId: string): { type: string; id: string } | null {
  try {
    const { type, id } = decode(globalId);
    return type && UUID.test(id) ? { type, id: id.toLowerCase() } : null;
  } catch {
    return null;
  }
}

/**
 * The row id behind a global ID of `type`. A malformed ID, or one of another type, is answered
 * as NOT_FOUND: it names nothing the caller can see.
 */
export function idOf(type: string, globalId: string, field: string | string[] = 'id'): string {
  const parsed = parseGlobalId(globalId);
  if (!parsed || parsed.type !== type) throw new AppError('NOT_FOUND', `${type} not found`, { field });
  return parsed.id;
}
