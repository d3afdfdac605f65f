import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { hasKeyRing, installKeyRing, keyRingOf } from '../../src/shared/keyring.ts';

/** The key ring tests run with unless they configure their own (PostgreSQL refuses to start without one). */
export const TEST_KEYS = 'test1:ZmFrZS10ZXN0LWtleS1mb3Itb3BlbmliLXRlc3RzISE';

/** Which backend this test run uses: OPENIB_TEST_DB=pglite (default) or postgres. */
export const TEST_BACKEND = process.env.OPENIB_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
export const POSTGRES_ADMIN_URL = process.env.OPENIB_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh, empty database for one test file: in memory for PGlite, a new database on the server
 * for Postgres (dropped again by the returned cleanup).
 */
export async function freshDatabase(): Promise<{ url?: string; dataDir: string; drop: () => Promise<void> }> {
  // Tests that call an area's functions over a bare database still seal personal data.
  if (!hasKeyRing()) installKeyRing(keyRingOf(TEST_KEYS));
  if (TEST_BACKEND === 'pglite') return { dataDir: 'memory://', drop: async () => {} };
  const name = `openib_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL} (${(err as Error).message}). Start it or run the PGlite suite only.`);
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = POSTGRES_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    dataDir: 'memory://',
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh, migrated database without a server, for tests of an area's functions; `close` drops it. */
export async function migratedDatabase(): Promise<{ db: import('../../src/db/index.ts').Database; url?: string; close: () => Promise<void> }> {
  const { openDatabase } = await import('../../src/db/index.ts');
  const { migrate } = await import('../../src/db/migrate.ts');
  const fresh = await freshDatabase();
  const db = await openDatabase({ url: fresh.url, dataDir: fresh.dataDir, poolSize: 4 });
  await migrate(db);
  return {
    db,
    url: fresh.url,
    close: async () => {
      await db.close();
      await fresh.drop();
    },
  };
}
