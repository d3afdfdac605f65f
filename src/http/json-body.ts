import type { FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors.ts';

// A run of 16+ digits means some number may carry more precision than a double keeps; only then is the
// slower parse used, which hands such numbers over as their exact source text so validation can refuse them.
const LONG_NUMBER = /\d{16,}|\d[\d.]{16,}/;

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;
const keepLongNumbers: Reviver = (_key, value, context) =>
  typeof value === 'number' && context?.source && /\d{16,}|\d[\d.]{16,}/.test(context.source) ? context.source : value;

/** Parses JSON bodies, answering 400 invalid_json (never 500) for anything JSON.parse cannot read. */
export function registerJsonParser(app: FastifyInstance) {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(/^application\/([\w.+-]+\+)?json$/, { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(new AppError(400, 'invalid_json', 'The request body is empty; send a JSON document.'));
    // PostgreSQL text cannot hold NUL; refuse it up front rather than fail deep in a write.
    if (text.includes('\\u0000') || text.includes('\0'))
      return done(new AppError(400, 'invalid_json', 'The request body contains a NUL character (\\u0000), which no field accepts.'));
    try {
      const parsed = LONG_NUMBER.test(text) ? JSON.parse(text, keepLongNumbers as never) : JSON.parse(text);
      done(null, parsed);
    } catch (err) {
      const message = err instanceof RangeError ? 'the document is nested too deeply' : (err as Error).message;
      done(new AppError(400, 'invalid_json', `The request body is not valid JSON: ${message}.`));
    }
  });
}
