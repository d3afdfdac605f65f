import type { FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors.ts';

// A run of 16+ digits means some number may carry more precision than a double keeps; only then is the
// slower parse used, which hands such numbers over as their exact source text so validation can refuse them.
const LONG_NUMBER = /\d{16,}|\d[\d.]{16,}/;

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;
const keepLongNumbers: Reviver = (_key, value, context) =>
  typeof value === 'number' && context?.source && LONG_NUMBER.test(context.source) ? context.source : value;

/** Parses JSON bodies, answering 400 invalid_json (never 500) for anything JSON.parse cannot read. */
export function registerJsonParser(app: FastifyInstance) {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(/^application\/([\w.+-]+\+)?json$/, { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(new AppError(400, 'invalid_json', 'The request body is empty; send a JSON document.'));
    // PostgreSQL text cannot hold NUL; refuse it up front (naming the fields) rather than fail deep in a write.
    if (text.includes('\\u0000') || text.includes('\0')) return done(nulError(text));
    try {
      const parsed = LONG_NUMBER.test(text) ? JSON.parse(text, keepLongNumbers as never) : JSON.parse(text);
      if (SURROGATE_ESCAPE.test(text)) {
        const fields = loneSurrogateFields(parsed);
        if (fields.length) return done(loneSurrogateError(fields));
      }
      done(null, parsed);
    } catch (err) {
      const message = err instanceof RangeError ? 'the document is nested too deeply' : (err as Error).message;
      done(new AppError(400, 'invalid_json', `The request body is not valid JSON: ${message}.`));
    }
  });
}

// A \uD800–\uDFFF escape: only then can a parsed string hold half of a surrogate pair. JSON.parse accepts a lone
// one; PostgreSQL cannot store it (some paths failed with 500, others silently wrote U+FFFD), so it is refused.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** The keys (or "(body)") whose string value, or whose own name, holds a lone UTF-16 surrogate. */
function loneSurrogateFields(value: unknown, key = '(body)', out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (!value.isWellFormed()) out.push(key);
  } else if (Array.isArray(value)) {
    for (const item of value) loneSurrogateFields(item, key, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (!k.isWellFormed()) out.push(k.toWellFormed());
      else loneSurrogateFields(v, k, out);
    }
  }
  return out;
}

function loneSurrogateError(fields: string[]): AppError {
  const details = [...new Set(fields)].map((field) => ({ field, reason: 'must be valid Unicode: a \\uD800–\\uDFFF escape must be half of a surrogate pair' }));
  return new AppError(
    400,
    'invalid_json',
    'The request body contains a lone UTF-16 surrogate escape (such as \\uD800 without its pair), which is not valid Unicode text; nothing was stored.',
    details,
  );
}

function nulError(text: string): AppError {
  const fields = new Set<string>();
  try {
    JSON.parse(text, (key, value) => {
      if ((typeof value === 'string' && value.includes('\0')) || key.includes('\0')) fields.add(key.replaceAll('\0', '\\u0000') || '(body)');
      return value;
    });
  } catch {
    return new AppError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  const details = [...fields].map((field) => ({ field, reason: 'must not contain NUL characters (\\u0000)' }));
  return new AppError(422, 'validation_failed', 'The request contains NUL characters, which no field accepts; nothing was stored.', details);
}
