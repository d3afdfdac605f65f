import { setTimeout as sleep } from 'node:timers/promises';
import type { RestConfig } from '../pull/config.ts';

/** Statuses worth another try: the server is busy or briefly broken. Others fail the run at once. */
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);
const MAX_BODY = 50 * 1024 * 1024;
const PAYLOAD_EXCERPT = 2000;

/** What a source answered when a request failed, kept with the connector's error (never the headers sent). */
export interface ErrorPayload {
  method: string;
  url: string;
  status?: number;
  body?: string;
  attempts: number;
}

/** A failed request; `payload` is what the connector catalogue shows next to the message. */
export class SourceError extends Error {
  readonly payload: ErrorPayload;
  constructor(message: string, payload: ErrorPayload) {
    super(message);
    this.payload = payload;
  }
}

class Permanent extends SourceError {}

export interface RequestInit {
  method?: 'GET' | 'POST';
  /** Sent as JSON. */
  body?: unknown;
}

/**
 * Fetches a JSON document, retrying network errors and retryable statuses with exponential backoff
 * and jitter (honouring Retry-After up to a minute). Errors never include the headers sent.
 */
export async function fetchJsonWithRetry(
  url: string,
  headers: Record<string, string>,
  config: Pick<RestConfig, 'retry' | 'timeout_ms'>,
  signal: AbortSignal,
  init: RequestInit = {},
): Promise<unknown> {
  const attempts = config.retry?.attempts ?? 3;
  const base = config.retry?.base_delay_ms ?? 500;
  const method = init.method ?? 'GET';
  const where = `${new URL(url).origin}${new URL(url).pathname}`;
  const sent = init.body === undefined ? headers : { 'content-type': 'application/json', ...headers };
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  let last = '';
  let payload: ErrorPayload = { method, url: where, attempts: 0 };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let retryAfterMs: number | undefined;
    payload = { method, url: where, attempts: attempt };
    try {
      const res = await fetch(url, { method, headers: sent, body, signal: AbortSignal.any([signal, AbortSignal.timeout(config.timeout_ms ?? 30_000)]) });
      if (res.ok) {
        const text = await res.text();
        if (text.length > MAX_BODY) throw new Permanent(`The answer from ${where} is larger than ${MAX_BODY} bytes.`, { ...payload, status: res.status });
        try {
          return JSON.parse(text);
        } catch {
          throw new Permanent(`The answer from ${where} is not JSON.`, { ...payload, status: res.status, body: text.slice(0, PAYLOAD_EXCERPT) });
        }
      }
      const answer = (await res.text().catch(() => '')).slice(0, PAYLOAD_EXCERPT);
      payload = { ...payload, status: res.status, body: answer };
      last = `${where} answered HTTP ${res.status}`;
      if (!RETRYABLE.has(res.status)) throw new Permanent(`${last}; check the URL and credentials.`, payload);
      const ra = Number(res.headers.get('retry-after'));
      if (Number.isFinite(ra) && ra > 0) retryAfterMs = Math.min(ra * 1000, 60_000);
    } catch (err) {
      if (err instanceof Permanent || signal.aborted) throw err;
      last = `${where} could not be reached (${(err as Error).message})`;
    }
    if (attempt < attempts) await sleep(retryAfterMs ?? base * 2 ** (attempt - 1) * (0.5 + Math.random()), undefined, { signal });
  }
  throw new SourceError(`${last}, after ${attempts} attempt(s).`, payload);
}
