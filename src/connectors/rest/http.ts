import { setTimeout as sleep } from 'node:timers/promises';
import type { RestConfig } from '../pull/config.ts';

/** Statuses worth another try: the server is busy or briefly broken. Others fail the run at once. */
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);
const MAX_BODY = 50 * 1024 * 1024;

class Permanent extends Error {}

/**
 * GETs a JSON document, retrying network errors and retryable statuses with exponential backoff
 * and jitter (honouring Retry-After up to a minute). Errors never include the headers sent.
 */
export async function fetchJsonWithRetry(url: string, headers: Record<string, string>, config: Pick<RestConfig, 'retry' | 'timeout_ms'>, signal: AbortSignal): Promise<unknown> {
  const attempts = config.retry?.attempts ?? 3;
  const base = config.retry?.base_delay_ms ?? 500;
  const where = `${new URL(url).origin}${new URL(url).pathname}`;
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(config.timeout_ms ?? 30_000)]) });
      if (res.ok) {
        const text = await res.text();
        if (text.length > MAX_BODY) throw new Permanent(`The answer from ${where} is larger than ${MAX_BODY} bytes.`);
        try {
          return JSON.parse(text);
        } catch {
          throw new Permanent(`The answer from ${where} is not JSON.`);
        }
      }
      await res.body?.cancel();
      last = `${where} answered HTTP ${res.status}`;
      if (!RETRYABLE.has(res.status)) throw new Permanent(`${last}; check the URL and credentials.`);
      const ra = Number(res.headers.get('retry-after'));
      if (Number.isFinite(ra) && ra > 0) retryAfterMs = Math.min(ra * 1000, 60_000);
    } catch (err) {
      if (err instanceof Permanent || signal.aborted) throw err;
      last = `${where} could not be reached (${(err as Error).message})`;
    }
    if (attempt < attempts) await sleep(retryAfterMs ?? base * 2 ** (attempt - 1) * (0.5 + Math.random()), undefined, { signal });
  }
  throw new Error(`${last}, after ${attempts} attempt(s).`);
}
