import type { Sql } from '../db/index.ts';
import { AppError } from './errors.ts';

export interface PageRequest {
  page?: number;
  per_page?: number;
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  meta: { total: number; page: number; per_page: number; next_cursor: string | null };
}

export function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ s: seq })).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  try {
    const { s } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Number.isSafeInteger(s) && s >= 0) return s;
  } catch {
    /* fall through */
  }
  throw new AppError(400, 'invalid_cursor', 'The cursor is not one this API issued; start again without it.');
}

/** Collects WHERE conditions with their parameters; conditions use ? for "the next parameter". */
export class Filters {
  readonly conditions: string[] = [];
  readonly params: unknown[] = [];
  add(condition: string, ...values: unknown[]): this {
    let text = condition;
    for (const value of values) {
      this.params.push(value);
      text = text.replace('?', `$${this.params.length}`);
    }
    this.conditions.push(text);
    return this;
  }
  where(extra: string[] = []): string {
    const all = [...this.conditions, ...extra];
    return all.length ? `WHERE ${all.join(' AND ')}` : '';
  }
}

/**
 * One page of a table in insertion order (its seq column). Page numbers use OFFSET; the keyset
 * cursor (seq of the last row seen) stays correct while new rows are being inserted.
 */
/** Rows in `seq` order (oldest first), or newest first with `order: 'desc'`; the cursor continues in the same order. */
export async function readPage<T>(db: Sql, table: string, columns: string, filters: Filters, req: PageRequest, order: 'asc' | 'desc' = 'asc'): Promise<Page<T>> {
  const perPage = req.per_page ?? 50;
  const page = req.page ?? 1;
  const [{ total }] = await db.query<{ total: number }>(`SELECT count(*)::int AS total FROM ${table} ${filters.where()}`, filters.params);
  const params = [...filters.params];
  const keyset: string[] = [];
  if (req.cursor !== undefined) {
    params.push(decodeCursor(req.cursor));
    keyset.push(`seq ${order === 'desc' ? '<' : '>'} $${params.length}`);
  }
  params.push(perPage + 1);
  const limit = `$${params.length}`;
  let offset = '';
  if (req.cursor === undefined && page > 1) {
    params.push((page - 1) * perPage);
    offset = `OFFSET $${params.length}`;
  }
  const rows = await db.query<T & { seq: number }>(
    `SELECT seq, ${columns} FROM ${table} ${filters.where(keyset)} ORDER BY seq ${order === 'desc' ? 'DESC' : ''} LIMIT ${limit} ${offset}`,
    params,
  );
  const more = rows.length > perPage;
  const pageRows = more ? rows.slice(0, perPage) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    data: pageRows.map(({ seq: _, ...rest }) => rest as T),
    meta: { total, page: req.cursor === undefined ? page : 0, per_page: perPage, next_cursor: more && last ? encodeCursor(last.seq) : null },
  };
}
