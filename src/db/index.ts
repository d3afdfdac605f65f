import { mkdirSync } from 'node:fs';
import { lockDataDir } from './lock.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import type { Database } from './types.ts';

export type { Database, Sql } from './types.ts';

export interface DatabaseOptions {
  /** A postgres:// URL; when absent the embedded database is used. */
  url?: string;
  /** Folder of the embedded database; 'memory://' keeps it in memory. */
  dataDir?: string;
  poolSize?: number;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts.poolSize);
  const dir = opts.dataDir === 'memory://' ? undefined : opts.dataDir;
  if (!dir) return openPglite(undefined);
  mkdirSync(dir, { recursive: true });
  const unlock = lockDataDir(dir);
  try {
    const db = await openPglite(dir);
    const close = db.close.bind(db);
    return Object.assign(db, {
      async close() {
        try {
          await close();
        } finally {
          unlock();
        }
      },
    });
  } catch (err) {
    unlock();
    throw err;
  }
}
