import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  /** Milliseconds per request, sorted ascending. */
  latencies: number[];
  seconds: number;
  statuses: Map<number, number>;
  perSecond: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

/**
 * A bounded number of keep-alive HTTP/1.1 connections, each sending the next GET as soon as the
 * previous answer is complete, until `total` requests are answered. Raw sockets keep the client's
 * own cost small next to the server's on a two-core machine.
 */
export function httpLoad(port: number, path: string, opts: { connections: number; total: number; headers?: Record<string, string> }): Promise<LoadResult> {
  const extra = Object.entries(opts.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nuser-agent: openib-bench/1\r\n${extra}\r\n`);
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;
  let open = opts.connections;
  const started = performance.now();

  return new Promise((resolve, reject) => {
    const finish = () => {
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      resolve({ latencies, seconds, statuses, perSecond: latencies.length / seconds });
    };
    for (let c = 0; c < opts.connections; c++) {
      const socket = connect({ host: '127.0.0.1', port });
      socket.setNoDelay(true);
      let buffer: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      const next = () => {
        if (sent >= opts.total) {
          socket.end();
          return;
        }
        sent++;
        sentAt = performance.now();
        socket.write(request);
      };
      socket.on('connect', next);
      socket.on('data', (chunk: Buffer) => {
        buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
        for (;;) {
          const end = buffer.indexOf(HEADER_END);
          if (end < 0) return;
          const head = buffer.toString('latin1', 0, end);
          const length = Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0);
          const size = end + 4 + length;
          if (buffer.length < size) return;
          buffer = buffer.subarray(size);
          latencies.push(performance.now() - sentAt);
          const status = Number(head.slice(9, 12));
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          next();
        }
      });
      socket.on('error', reject);
      socket.on('close', () => {
        if (--open === 0) finish();
      });
    }
  });
}
