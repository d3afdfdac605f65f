import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database } from './types.ts';

/*
 * A read replica (OPENIB_READ_DATABASE_URL) behind the ordinary Database: inside
 * `readingFromReplica(fn)` plain SELECT statements go to the replica; transactions, writes,
 * LISTEN and everything outside such a scope go to the primary. A statement the replica cannot
 * run (a write it refuses as read-only, a conflict with replay, a lost connection) runs again on the
 * primary, so a replica that is down costs latency, not answers.
 */

/** One scope of replica reads; fellBack turns true when the primary had to answer one of them. */
export interface ReplicaScope {
  fellBack: boolean;
  /** Statements the replica answered. */
  replicaAnswered: number;
}

const scope = new AsyncLocalStorage<ReplicaScope>();

/** Runs fn with its plain SELECTs served by the replica (when one is configured). */
export function readingFromReplica<T>(within: ReplicaScope, fn: () => T): T {
  return scope.run(within, fn);
}

export interface ReplicatedDatabase extends Database {
  readonly primary: Database;
  readonly replica: Database;
  /** False for a few seconds after the replica could not be reached: its reads go to the primary meanwhile. */
  replicaAvailable(): boolean;
}

const RETRY_REPLICA_MS = 2_000;

export function replicaOf(db: Database): ReplicatedDatabase | undefined {
  return 'replica' in db ? (db as ReplicatedDatabase) : undefined;
}

// Reads by their first word; a data-modifying WITH that slips through is refused by the replica
// (read-only transaction) and runs on the primary.
const READ = /^\s*(\(\s*)*(select|with|values|table)\b/i;

/** Errors after which the primary answers instead: the replica is read-only, replaying over the rows, or unreachable. */
export function replicaCannotAnswer(err: unknown): boolean {
  if (unreachable(err)) return true;
  const code = String((err as { code?: unknown }).code);
  return code === '25006' || code === '40001' || code.startsWith('08') || code.startsWith('57P') || code === '53300';
}

/** No SQLSTATE: the connection failed (refused, reset, timed out), not the statement. */
function unreachable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08');
}

export function replicatedDatabase(primary: Database, replica: Database): ReplicatedDatabase {
  let downUntil = 0;
  const available = () => Date.now() >= downUntil;
  return {
    kind: primary.kind,
    primary,
    replica,
    replicaAvailable: available,
    async query<R>(text: string, params?: readonly unknown[]): Promise<R[]> {
      const within = scope.getStore();
      if (!within || !READ.test(text)) return primary.query<R>(text, params);
      if (!available()) {
        within.fellBack = true;
        return primary.query<R>(text, params);
      }
      try {
        const rows = await replica.query<R>(text, params);
        within.replicaAnswered += 1;
        return rows;
      } catch (err) {
        if (!replicaCannotAnswer(err)) throw err;
        within.fellBack = true;
        if (unreachable(err)) downUntil = Date.now() + RETRY_REPLICA_MS;
        return primary.query<R>(text, params);
      }
    },
    transaction: (fn) => primary.transaction(fn),
    exec: (script) => primary.exec(script),
    listen: (channel, onPayload) => primary.listen(channel, onPayload),
    async close() {
      await Promise.allSettled([replica.close()]);
      await primary.close();
    },
  };
}
