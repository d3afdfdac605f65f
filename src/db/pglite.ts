import { Worker } from 'node:worker_threads';
import type { Database, Sql } from './types.ts';

/** An error from the database with the same fields node-postgres gives (code is the SQLSTATE). */
export class DatabaseError extends Error {
  code?: string;
  detail?: string;
  constraint?: string;
  constructor(fields: { message: string; code?: string; detail?: string; constraint?: string }) {
    super(fields.message);
    this.name = 'DatabaseError';
    this.code = fields.code;
    this.detail = fields.detail;
    this.constraint = fields.constraint;
  }
}

/**
 * A FIFO lock: PGlite is a single connection, so one transaction at a time holds it and plain
 * queries wait their turn instead of interleaving with an open transaction.
 */
class Lock {
  private tail: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => {
      release = r;
    });
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return ready;
  }
}

/** Embedded PostgreSQL (PGlite) running in a worker thread; dataDir undefined means in memory. */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const worker = new Worker(new URL('./pglite-worker.ts', import.meta.url), { workerData: { dataDir } });
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, Set<(p: string) => void>>();
  let nextId = 1;
  let failure: Error | undefined;

  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', function onReady(msg) {
      if (msg?.ready) {
        worker.off('message', onReady);
        worker.off('error', reject);
        resolve();
      }
    });
  });

  worker.on('message', (msg) => {
    if (msg.notify !== undefined) {
      for (const fn of listeners.get(msg.notify) ?? []) fn(msg.payload);
      return;
    }
    const waiter = pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.error) waiter.reject(new DatabaseError(msg.error));
    else waiter.resolve(msg.rows);
  });
  worker.on('error', (err: Error) => {
    failure = err;
    for (const w of pending.values()) w.reject(err);
    pending.clear();
  });

  function send(op: string, fields: Record<string, unknown>): Promise<unknown[]> {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, ...fields });
    });
  }

  const lock = new Lock();
  const raw = <R>(text: string, params?: readonly unknown[]) =>
    send('query', { text, params: params ?? [] }) as Promise<R[]>;

  const db: Database = {
    kind: 'pglite',
    async query<R>(text: string, params?: readonly unknown[]) {
      const release = await lock.acquire();
      try {
        return await raw<R>(text, params);
      } finally {
        release();
      }
    },
    async transaction(fn) {
      const release = await lock.acquire();
      const tx: Sql = { query: raw };
      try {
        await raw('BEGIN');
        const result = await fn(tx);
        await raw('COMMIT');
        return result;
      } catch (err) {
        await raw('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        release();
      }
    },
    async exec(script) {
      const release = await lock.acquire();
      try {
        await send('exec', { text: script });
      } finally {
        release();
      }
    },
    async listen(channel, onPayload) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        await send('listen', { channel });
      }
      set.add(onPayload);
      return async () => {
        set.delete(onPayload);
      };
    },
    async close() {
      const release = await lock.acquire();
      try {
        await send('close', {});
      } finally {
        release();
        await worker.terminate();
      }
    },
  };
  return db;
}
