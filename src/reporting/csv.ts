import { stringify } from 'csv-stringify/sync';
import { csvCell } from '../shared/csv.ts';

/** Flattens one level of nested objects: {own: {lots}} → own_lots. */
export function flatten(row: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}_`));
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

/** Sends rows as a CSV download (header row first; null as an empty cell; text cells formula-safe). */
export function sendCsv(reply: { header(name: string, value: string): unknown; send(payload: never): unknown }, name: string, rows: Record<string, unknown>[]): void {
  const flat = rows.map((r) => flatten(r));
  const columns = flat.length ? Object.keys(flat[0]) : [];
  reply.header('content-type', 'text/csv; charset=utf-8');
  reply.header('content-disposition', `attachment; filename="${name}.csv"`);
  reply.send(stringify(flat, { header: true, columns, cast: { boolean: (b) => (b ? 'true' : 'false'), string: (v) => csvCell(v) } }) as never);
}
