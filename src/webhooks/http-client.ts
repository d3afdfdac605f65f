import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { CheckedUrl } from './outbound-url.ts';

export interface OutboundRequest {
  target: CheckedUrl;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Response bytes kept; the rest of the body is not read. */
  maxBodyBytes: number;
}

export type OutboundResult =
  | { kind: 'response'; status: number; retryAfter?: string; body: string; latencyMs: number }
  | { kind: 'timeout' | 'unreachable'; error: string; latencyMs: number };

/** Keep-alive connection pools, one per protocol; close() ends their sockets. */
export interface HttpClient {
  send(request: OutboundRequest): Promise<OutboundResult>;
  close(): void;
}

/** A lookup that answers with the address checked beforehand, whatever DNS says now. */
function pinned(address: string, family: 4 | 6): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
}

/**
 * Sends one request with node:http(s) rather than fetch, because only these let the connection use
 * the pinned address (the lookup option). Redirects are never followed (a 3xx is a failed attempt),
 * the whole exchange is bounded by timeoutMs and at most maxBodyBytes of the answer are read.
 */
export function createHttpClient(): HttpClient {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };

  function send(req: OutboundRequest): Promise<OutboundResult> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    const { url, address, family } = req.target;
    const transport = url.protocol === 'https:' ? https : http;
    const signal = AbortSignal.timeout(req.timeoutMs);
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));

    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: OutboundResult) => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const fail = (err: Error) => {
        if (signal.aborted) finish({ kind: 'timeout', error: `no complete answer within ${req.timeoutMs} ms`, latencyMs: latency() });
        else finish({ kind: 'unreachable', error: err.message || String(err), latencyMs: latency() });
      };
      const request = transport.request(
        url,
        {
          method: req.method,
          headers,
          agent: agents[url.protocol as 'http:' | 'https:'],
          lookup: pinned(address, family),
          signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          const done = () =>
            finish({
              kind: 'response',
              status: res.statusCode ?? 0,
              retryAfter: typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : undefined,
              body: Buffer.concat(chunks).toString('utf8'),
              latencyMs: latency(),
            });
          if (req.maxBodyBytes === 0) {
            done();
            res.destroy();
            return;
          }
          res.on('data', (chunk: Buffer) => {
            if (kept >= req.maxBodyBytes) return;
            const part = chunk.subarray(0, req.maxBodyBytes - kept);
            chunks.push(part);
            kept += part.length;
            // Enough kept: stop reading and drop the connection instead of draining a large body.
            if (kept >= req.maxBodyBytes) {
              done();
              res.destroy();
            }
          });
          res.on('end', done);
          res.on('error', fail);
          res.on('aborted', () => fail(new Error('the connection closed before the answer was complete')));
        },
      );
      request.on('error', fail);
      if (req.body !== undefined) request.end(req.body);
      else request.end();
    });
  }

  return {
    send,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
