/** Relay-style pagination shared by every connection: opaque cursors, `first` capped at 100. */
import { Field, ObjectType } from 'type-graphql';
import { AppError } from '../../errors.js';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

@ObjectType('PageInfo', { simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** Validates `first`; more than 100 (or less than 0) is BAD_USER_INPUT. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new AppError('BAD_USER_INPUT', `first must be between 0 and ${MAX_PAGE_SIZE}`, 'user', ['first']);
  }
  return first;
}

/** Cursors are opaque to clients: base64url of a kind and the row's position. */
export function encodeCursor(kind: string, position: string | number): string {
  return Buffer.from(`${kind}:${position}`).toString('base64url');
}

export function decodeCursor(kind: string, cursor: string | null | undefined): string | null {
  if (!cursor) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(`${kind}:`)) throw new AppError('BAD_USER_INPUT', 'the cursor is not valid for this list', 'user', ['after']);
  return text.slice(kind.length + 1);
}

/** A cursor whose position is a row id (lists read by id): anything else is BAD_USER_INPUT, never a query. */
export function decodeIdCursor(kind: string, cursor: string | null | undefined): number | null {
  const position = decodeCursor(kind, cursor);
  if (position === null) return null;
  if (!/^[1-9]\d{0,14}$/.test(position)) throw new AppError('BAD_USER_INPUT', 'the cursor is not valid for this list', 'user', ['after']);
  return Number(position);
}

/**
 * One page of a list read newest id first with `limit: size + 1` (the extra row only says that
 * another page follows): its edges, cursors on the row ids, and pageInfo.
 */
export function keysetPage<Row extends { id: number | string }, Node>(
  kind: string,
  rows: readonly Row[],
  size: number,
  present: (row: Row) => Node,
): { edges: { cursor: string; node: Node }[]; pageInfo: PageInfo } {
  const shown = rows.slice(0, size);
  const edges = shown.map((row) => ({ cursor: encodeCursor(kind, row.id), node: present(row) }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
}
