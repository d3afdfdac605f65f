import pg from 'pg';
import { textParsers } from './parsers.ts';
import type { Database, Sql } from './types.ts';

const pinnedTypes = {
  getTypeParser(oid: number, format?: string) {
    const parser = textParsers[oid];
    if (parser && format !== 'binary') return parser;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** A Postgres server through node-postgres, with the shared type parsers pinned. */
export function openPostgres(url: string, poolSize = 10): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: pinnedTypes as pg.CustomTypesConfig,
    options: '-c TimeZone=UTC',
  });
  pool.on('error', () => {
    /* idle client errors surface on the next query */
  });
  const listeners = new Map<string, Set<(p: string) => void>>();
  let listenClient: pg.PoolClient | undefined;

  async function ensureListenClient() {
    if (listenClient) return listenClient;
    listenClient = await pool.connect();
    listenClient.on('notification', (msg) => {
      for (const fn of listeners.get(msg.channel) ?? []) fn(msg.payload ?? '');
    });
    return listenClient;
  }

  const db: Database = {
    kind: 'postgres',
    async query(text, params) {
      const res = await pool.query(text, params as unknown[]);
      return res.rows;
    },
    async transaction(fn) {
      const client = await pool.connect();
      const tx: Sql = {
        async query(text, params) {
          return (await client.query(text, params as unknown[])).rows;
        },
      };
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async exec(script) {
      await pool.query(script);
    },
    async listen(channel, onPayload) {
      const client = await ensureListenClient();
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      }
      set.add(onPayload);
      return async () => {
        set.delete(onPayload);
      };
    },
    async close() {
      listenClient?.release();
      listenClient = undefined;
      await pool.end();
    },
  };
  return db;
}
