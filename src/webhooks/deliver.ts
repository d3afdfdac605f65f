import { Webhook } from 'standardwebhooks';
import type { Clock } from '../worker/clock.ts';
import type { AddressPolicy } from './address-policy.ts';
import type { ClaimedMessage, Lane } from './claim.ts';
import type { HttpClient, OutboundResult } from './http-client.ts';
import { type CheckedUrl, checkOutboundUrl, type Lookup } from './outbound-url.ts';
import { signedHeaders, webhookBody } from './payload.ts';
import { macroValues, postbackBody, renderTemplate } from './postback-template.ts';
import { parseRetryAfter } from './schedule.ts';
import { openSecret } from './secrets.ts';

export type Outcome = 'delivered' | 'failed' | 'gone' | 'timeout' | 'unreachable' | 'refused' | 'circuit_open';

/** One attempt as the delivery log records it. */
export interface AttemptResult {
  message: ClaimedMessage;
  attemptedAt: Date;
  outcome: Outcome;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseBody: string | null;
  /** Seconds the receiver asked us to wait (Retry-After on 429 or 5xx). */
  retryAfterSeconds?: number;
  /** Whether the attempt says something about the endpoint (not a fail-fast of an open circuit). */
  countsForHealth: boolean;
}

export interface DeliveryEnv {
  http: HttpClient;
  clock: Clock;
  policy: AddressPolicy;
  timeoutMs: number;
  /** No send starts once the lane has spent this long on its clock (its lease covers the budget plus one timeout). */
  budgetMs?: number;
  responseLimitBytes: number;
  lookup?: Lookup;
}

const USER_AGENT = 'OpenIB-Webhooks/1';

function signers(lane: Lane, env: DeliveryEnv): Webhook[] {
  const { endpoint } = lane;
  const secrets = [endpoint.secret_sealed];
  const expires = endpoint.previous_secret_expires_at;
  if (endpoint.previous_secret_sealed && expires && new Date(expires) > env.clock.now()) secrets.push(endpoint.previous_secret_sealed);
  return secrets.filter((s): s is string => s !== null).map((s) => new Webhook(openSecret(s)));
}

function request(lane: Lane, message: ClaimedMessage, webhookSigners: Webhook[]) {
  const { endpoint } = lane;
  if (endpoint.kind === 'webhook') {
    const body = webhookBody(message);
    const headers = { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...signedHeaders(message.id, body, webhookSigners) };
    return { url: endpoint.url, method: 'POST' as const, headers, body };
  }
  // A postback carries only the macro values: nothing personal can be in them.
  const kind = endpoint.postback_event ?? 'registration';
  const values = macroValues(kind, message);
  const url = renderTemplate(endpoint.url, values);
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'x-openib-postback-id': message.id };
  if (endpoint.method === 'GET') return { url, method: 'GET' as const, headers };
  return { url, method: 'POST' as const, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(postbackBody(kind, values)) };
}

function judge(result: OutboundResult, attemptedAt: Date): Pick<AttemptResult, 'outcome' | 'statusCode' | 'error' | 'responseBody' | 'retryAfterSeconds'> {
  if (result.kind !== 'response')
    return { outcome: result.kind, statusCode: null, error: result.error, responseBody: null };
  const { status, body } = result;
  if (status >= 200 && status < 300) return { outcome: 'delivered', statusCode: status, error: null, responseBody: body };
  if (status === 410)
    return { outcome: 'gone', statusCode: status, error: 'HTTP 410 Gone: the receiver asked to stop; endpoint disabled', responseBody: body };
  const retryAfterSeconds = status === 429 || status >= 500 ? parseRetryAfter(result.retryAfter, attemptedAt) : undefined;
  const error =
    status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed; point the endpoint at the final URL` : `HTTP ${status}`;
  return { outcome: 'failed', statusCode: status, error, responseBody: body, retryAfterSeconds };
}

/**
 * Sends a lane's messages one after another, in event order. The first failure ends the lane: the
 * messages left are handed back unsent (the receiver is in trouble; they are due again at once and
 * the circuit breaker decides what happens next). So does running out of the time budget: a slow
 * receiver's lane gives its remaining messages back instead of outliving its lease. Never throws.
 */
export async function deliverLane(lane: Lane, env: DeliveryEnv): Promise<{ attempts: AttemptResult[]; unsent: ClaimedMessage[] }> {
  const attempts: AttemptResult[] = [];
  const notSent = (message: ClaimedMessage, outcome: Outcome, error: string): AttemptResult => ({
    message,
    attemptedAt: env.clock.now(),
    outcome,
    statusCode: null,
    latencyMs: 0,
    error,
    responseBody: null,
    countsForHealth: outcome !== 'circuit_open',
  });
  if (lane.open) {
    const error = `circuit open until ${lane.endpoint.circuit_open_until} after ${lane.endpoint.consecutive_failures} consecutive failures; not sent`;
    return { attempts: lane.messages.map((m) => notSent(m, 'circuit_open', error)), unsent: [] };
  }
  let webhookSigners: Webhook[] = [];
  let target: CheckedUrl | undefined;
  const started = env.clock.now().getTime();
  for (const [i, message] of lane.messages.entries()) {
    if (i > 0 && env.budgetMs !== undefined && env.clock.now().getTime() - started >= env.budgetMs) return { attempts, unsent: lane.messages.slice(i) };
    let outbound: ReturnType<typeof request>;
    try {
      if (lane.endpoint.kind === 'webhook' && i === 0) webhookSigners = signers(lane, env);
      outbound = request(lane, message, webhookSigners);
    } catch (err) {
      attempts.push(notSent(message, 'failed', `could not build the request: ${(err as Error).message}`));
      return { attempts, unsent: lane.messages.slice(i + 1) };
    }
    // Checked again before sending (DNS may have changed since the endpoint was saved); the host is
    // the same for every message of the lane, so once per lane.
    if (!target) {
      const check = await checkOutboundUrl(outbound.url, env.policy, env.lookup);
      if (!check.ok) {
        attempts.push(notSent(message, 'refused', check.reason));
        return { attempts, unsent: lane.messages.slice(i + 1) };
      }
      target = check.target;
    }
    const attemptedAt = env.clock.now();
    const result = await env.http.send({
      target: { ...target, url: new URL(outbound.url) },
      method: outbound.method,
      headers: outbound.headers,
      body: 'body' in outbound ? outbound.body : undefined,
      timeoutMs: env.timeoutMs,
      maxBodyBytes: env.responseLimitBytes,
    });
    const verdict = judge(result, attemptedAt);
    attempts.push({ message, attemptedAt, latencyMs: result.latencyMs, countsForHealth: true, ...verdict });
    if (verdict.outcome !== 'delivered') return { attempts, unsent: lane.messages.slice(i + 1) };
  }
  return { attempts, unsent: [] };
}
