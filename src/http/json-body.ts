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
      done(null, parsed);
    } catch (err) {
      const message = err instanceof RangeError ? 'the document is nested too deeply' : (err as Error).message;
      done(new AppError(400, 'invalid_json', `The request body is not valid JSON: ${message}.`));
    }
  });
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
