import { Type } from 'typebox';

export const FieldIssueSchema = Type.Object({
  index: Type.Optional(Type.Integer({ description: 'Position of the record in the request array.' })),
  field: Type.String(),
  reason: Type.String(),
});

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code.' }),
      message: Type.String({ description: 'What went wrong and what to do about it.' }),
      details: Type.Optional(Type.Array(FieldIssueSchema)),
    }),
    request_id: Type.String(),
  },
  { $id: 'Error' },
);

/** The meta of a list read by cursor only (an event stream, the audit log): no total, which would count the whole log. */
export const CursorMeta = Type.Object({
  per_page: Type.Integer(),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` to read the next page; null at the end.' }),
});

export const PageMeta = Type.Object({
  total: Type.Integer(),
  page: Type.Integer(),
  per_page: Type.Integer(),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` to read the next page; null at the end.' }),
});

/**
 * The largest row id or cursor a request may name: ids are PostgreSQL bigints, and a JS number holds integers
 * exactly only up to 2^53 − 1. Without a bound, `99999999999999999999` passed validation and failed in SQL.
 */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

/** A bigint row id in a path (`/…/{id}`). */
export const RowId = (options: { description?: string } = {}) => Type.Integer({ minimum: 1, maximum: MAX_ID, ...options });

/** "Page on with the last id seen": 0 (or absent) starts at the beginning. */
export const AfterId = (options: { description?: string } = {}) => Type.Integer({ minimum: 0, maximum: MAX_ID, ...options });

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'Opaque keyset cursor from meta.next_cursor; takes precedence over page.' })),
};

/** Answer to a bulk write: each record's outcome in request order. */
export const BatchResponse = Type.Object({
  data: Type.Array(
    Type.Object({
      index: Type.Integer(),
      id: Type.String({ description: 'The record\'s identity (for activity: date|customer_id|instrument|currency).' }),
      outcome: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('unchanged')]),
    }),
  ),
  meta: Type.Object({ received: Type.Integer(), created: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer() }),
});
