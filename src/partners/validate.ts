import { isCountryCode } from '../shared/countries.ts';
import { isCurrencyCode } from '../shared/currencies.ts';
import { type FieldIssue, validationFailed } from '../shared/errors.ts';


/** Collects field problems of one request and throws them together as a 422. */
export class Issues {
  readonly list: FieldIssue[] = [];
  add(field: string, reason: string): this {
    this.list.push({ field, reason });
    return this;
  }
  throwIfAny(message?: string): void {
    if (this.list.length) throw validationFailed(this.list, message);
  }
}

export function country(value: string | null | undefined, field: string, issues: Issues): string | null | undefined {
  if (value === undefined || value === null) return value;
  const code = value.toUpperCase();
  if (!isCountryCode(code)) {
    issues.add(field, 'must be an ISO 3166-1 alpha-2 country code such as GB');
    return undefined;
  }
  return code;
}

export function currency(value: string | undefined, field: string, issues: Issues): string | undefined {
  if (value === undefined) return undefined;
  const code = value.toUpperCase();
  if (!isCurrencyCode(code)) {
    issues.add(field, 'must be an ISO 4217 currency code such as USD');
    return undefined;
  }
  return code;
}

/** Trims a person's text and refuses what would be unreadable in a list or a statement. */
export function text(value: string | null | undefined, field: string, issues: Issues, max = 200): string | null | undefined {
  if (value === undefined || value === null) return value;
  const trimmed = value.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) issues.add(field, 'must not contain control characters');
  else if (trimmed.length === 0) issues.add(field, 'must not be empty');
  else if (trimmed.length > max) issues.add(field, `must be at most ${max} characters`);
  else return trimmed;
  return undefined;
}

/** A database unique-key violation (SQLSTATE 23505), optionally on one named constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e?.code !== '23505') return false;
  return !constraint || e.constraint === constraint || Boolean(e.message?.includes(constraint));
}
