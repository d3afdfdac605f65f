/**
 * One set of type parsers for both backends, so PGlite and a Postgres server return the same
 * JavaScript types: money and NUMERIC stay decimal strings, dates stay 'YYYY-MM-DD', timestamps
 * become ISO-8601 UTC strings, bigint counts become numbers.
 */
export const OID = {
  int8: 20,
  int8Array: 1016,
  numeric: 1700,
  numericArray: 1231,
  date: 1082,
  dateArray: 1182,
  timestamp: 1114,
  timestampArray: 1115,
  timestamptz: 1184,
  timestamptzArray: 1185,
  json: 114,
  jsonb: 3802,
} as const;

/** Postgres prints timestamptz as '2026-01-02 03:04:05.678+00' when TimeZone is UTC. */
export function timestampToIso(text: string): string {
  if (text === 'infinity' || text === '-infinity') return text;
  let s = text.replace(' ', 'T');
  if (/[+-]\d\d$/.test(s)) s += ':00';
  else if (!/(Z|[+-]\d\d:\d\d)$/.test(s)) s += 'Z';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

/** Splits a one-dimensional Postgres array literal such as {1.10,NULL,"a b"}. */
export function parseArrayLiteral(text: string): (string | null)[] {
  if (text === '{}') return [];
  const out: (string | null)[] = [];
  let i = 1;
  while (i < text.length - 1) {
    if (text[i] === '"') {
      let value = '';
      i++;
      while (text[i] !== '"') {
        if (text[i] === '\\') i++;
        value += text[i++];
      }
      out.push(value);
      i += 2;
    } else {
      const end = text.indexOf(',', i);
      const stop = end === -1 ? text.length - 1 : end;
      const raw = text.slice(i, stop);
      out.push(raw === 'NULL' ? null : raw);
      i = stop + 1;
    }
  }
  return out;
}

const asNumber = (t: string) => Number(t);
const mapArray = (f: (s: string) => unknown) => (t: string) => parseArrayLiteral(t).map((v) => (v === null ? null : f(v)));
const identity = (t: string) => t;

export const textParsers: Record<number, (text: string) => unknown> = {
  [OID.int8]: asNumber,
  [OID.int8Array]: mapArray(asNumber),
  [OID.numeric]: identity,
  [OID.numericArray]: mapArray(identity),
  [OID.date]: identity,
  [OID.dateArray]: mapArray(identity),
  [OID.timestamp]: timestampToIso,
  [OID.timestampArray]: mapArray(timestampToIso),
  [OID.timestamptz]: timestampToIso,
  [OID.timestamptzArray]: mapArray(timestampToIso),
  [OID.json]: (t) => JSON.parse(t),
  [OID.jsonb]: (t) => JSON.parse(t),
};
