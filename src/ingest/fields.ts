import { isIP } from 'node:net';
import { type TSchema, Type } from 'typebox';
import { isCurrencyCode } from '../shared/currencies.ts';
import { parseDate, parseDateTime } from '../shared/dates.ts';
import { parseDecimal } from '../shared/decimal.ts';
import type { FieldIssue } from '../shared/errors.ts';
import { isCountryCode } from '../shared/countries.ts';

/**
 * A field of an ingested record, declared once: the same declaration gives the OpenAPI schema and
 * the validation that turns raw JSON into a normalised record (decimal strings, UTC ISO times).
 */
export type FieldKind =
  | { kind: 'id' }
  | { kind: 'text'; maxLength?: number; allowEmpty?: boolean }
  | { kind: 'datetime' }
  | { kind: 'date' }
  | { kind: 'decimal'; nonNegative?: boolean; maxDecimals?: number }
  | { kind: 'currency' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'email' }
  | { kind: 'country' }
  | { kind: 'language' }
  | { kind: 'ip' };

export type FieldSpec = FieldKind & {
  name: string;
  required?: boolean;
  /** Other names accepted for the same field (the first one present wins). */
  aliases?: string[];
  description: string;
  example?: unknown;
};

export const MAX_STRING = 500;
const languages = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
const EMAIL = /^[^\s@"<>()\[\]\\,;:]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

function fieldSchema(spec: FieldSpec): TSchema {
  const meta = { description: spec.description, ...(spec.example !== undefined ? { examples: [spec.example] } : {}) };
  switch (spec.kind) {
    case 'id':
      return Type.String({ minLength: 1, maxLength: MAX_STRING, ...meta });
    case 'text':
      return Type.String({ maxLength: spec.maxLength ?? MAX_STRING, ...meta });
    case 'datetime':
      return Type.String({ format: 'date-time', ...meta });
    case 'date':
      return Type.String({ format: 'date', ...meta });
    case 'decimal':
      return Type.Union([Type.Number(), Type.String({ pattern: '^-?\\d+(\\.\\d+)?$' })], {
        ...meta,
        ...(spec.nonNegative ? { minimum: 0 } : {}),
      });
    case 'currency':
      return Type.String({ pattern: '^[A-Z]{3}$', ...meta });
    case 'enum':
      return Type.Union(spec.values.map((v) => Type.Literal(v)), meta);
    case 'email':
      return Type.String({ format: 'email', maxLength: MAX_STRING, ...meta });
    case 'country':
      return Type.String({ pattern: '^[A-Z]{2}$', ...meta });
    case 'language':
      return Type.String({ pattern: '^[a-z]{2}$', ...meta });
    case 'ip':
      return Type.String({ maxLength: 64, ...meta });
  }
}

/** The OpenAPI/JSON schema of one record. */
export function recordSchema(specs: readonly FieldSpec[], id: string, description: string): TSchema {
  const properties: Record<string, TSchema> = {};
  for (const spec of specs) {
    const schema = fieldSchema(spec);
    properties[spec.name] = spec.required ? schema : Type.Optional(Type.Union([schema, Type.Null()]));
  }
  return Type.Object(properties, { $id: id, description, additionalProperties: false });
}

function normaliseField(spec: FieldSpec, value: unknown): { value: unknown } | { reason: string } {
  switch (spec.kind) {
    case 'id':
    case 'text': {
      if (typeof value !== 'string') return { reason: 'must be a string' };
      const max = spec.kind === 'text' ? (spec.maxLength ?? MAX_STRING) : MAX_STRING;
      if (value.length > max) return { reason: `must be at most ${max} characters` };
      if (spec.kind === 'id' && value.trim() === '') return { reason: 'must be a non-empty string' };
      if (value.includes('\u0000')) return { reason: 'must not contain NUL characters' };
      return { value };
    }
    case 'datetime':
      return parseDateTime(value);
    case 'date':
      return parseDate(value);
    case 'decimal':
      return parseDecimal(value, spec);
    case 'currency':
      if (typeof value !== 'string' || !isCurrencyCode(value.toUpperCase()))
        return { reason: 'must be an ISO 4217 currency code such as USD' };
      return { value: value.toUpperCase() };
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value.toLowerCase()))
        return { reason: `must be one of: ${spec.values.join(', ')}` };
      return { value: value.toLowerCase() };
    case 'email':
      if (typeof value !== 'string' || value.length > MAX_STRING || !EMAIL.test(value))
        return { reason: 'must be a valid email address' };
      return { value };
    case 'country': {
      const code = typeof value === 'string' ? value.toUpperCase() : '';
      if (!isCountryCode(code)) return { reason: 'must be an ISO 3166-1 alpha-2 country code such as GB' };
      return { value: code };
    }
    case 'ip': {
      if (typeof value !== 'string' || value.length > 64 || !isIP(value)) return { reason: 'must be an IPv4 or IPv6 address such as 203.0.113.45' };
      return { value: value.toLowerCase() };
    }
    case 'language': {
      const code = typeof value === 'string' ? value.toLowerCase() : '';
      if (!/^[a-z]{2}$/.test(code) || !languages.of(code)) return { reason: 'must be an ISO 639-1 two-letter language code such as en' };
      return { value: code };
    }
  }
}

/** Edit distance of two short names (a misspelt field name is one or two edits away). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The issues of fields a record carries that none of the specs (nor their aliases) names. */
export function unknownFields(specs: readonly FieldSpec[], input: Record<string, unknown>, index: number): FieldIssue[] {
  const known = specs.flatMap((s) => [s.name, ...(s.aliases ?? [])]);
  const names = new Set(known);
  return Object.keys(input)
    .filter((k) => !names.has(k))
    .map((k) => {
      // A name one or two edits away, or the start of a known one ("country" for country_code).
      const lower = k.toLowerCase();
      const close = known
        .map((n) => [n, lower.length >= 4 && (n.startsWith(lower) || lower.startsWith(n)) ? 1 : distance(lower, n)] as const)
        .filter(([, d]) => d <= 2)
        .sort((x, y) => x[1] - y[1])[0];
      return { index, field: k.slice(0, 100), reason: `is not a field of this record${close ? `; did you mean ${close[0]}?` : ''}` };
    });
}

/**
 * Validates one raw record against its field specs. Absent and null optional fields come back as
 * undefined. Fields no spec names are refused with `unknown: 'refuse'` (what the API does: a
 * misspelt field would otherwise be dropped without a word), else ignored (records a mapping built).
 */
export function normaliseRecord<T>(specs: readonly FieldSpec[], raw: unknown, index: number, opts: { unknown?: 'refuse' | 'ignore' } = {}): { record?: T; issues: FieldIssue[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { issues: [{ index, field: '(record)', reason: 'must be a JSON object' }] };
  const input = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const issues: FieldIssue[] = opts.unknown === 'refuse' ? unknownFields(specs, input, index) : [];
  for (const spec of specs) {
    let name: string | undefined = input[spec.name] == null ? undefined : spec.name;
    if (name === undefined && spec.aliases) name = spec.aliases.find((n) => input[n] != null);
    if (name === undefined) {
      if (spec.required) issues.push({ index, field: spec.name, reason: 'is required' });
      continue;
    }
    const result = normaliseField(spec, input[name]);
    if ('reason' in result) issues.push({ index, field: name, reason: result.reason });
    else out[spec.name] = result.value;
  }
  return issues.length ? { issues } : { record: out as T, issues };
}
