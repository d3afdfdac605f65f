import { ensureClient } from './auth/clients.ts';
import { loadSigningKey } from './auth/tokens.ts';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/index.ts';
import { migrate } from './db/migrate.ts';
import { openPostgres } from './db/postgres.ts';
import { replicatedDatabase } from './db/read-replica.ts';
import type { AppContext } from './http/context.ts';
import { chainExistingHistory } from './ledger/backfill.ts';
import { installLedgerSigner, loadLedgerSigner } from './ledger/signing.ts';
import { installKeyRing, loadKeyRing, requireConfiguredKey } from './shared/keyring.ts';
import { systemClock } from './worker/clock.ts';

/** Opens the database, brings its schema up to date and makes the configured admin client exist. */
export async function openPlatform(config: Config): Promise<AppContext> {
  // Before connecting: a server database without a configured key is refused at once.
  if (config.databaseUrl) requireConfiguredKey(config.keys);
  const primary: Database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.dbPoolSize });
  // Reports, lists and exports may read from a streaming replica; all else stays on the primary (src/http/read-routing.ts).
  const db = config.readDatabaseUrl ? replicatedDatabase(primary, openPostgres(config.readDatabaseUrl, config.dbPoolSize)) : primary;
  try {
    await migrate(db);
    if (config.adminClientId && config.adminClientSecret)
      await ensureClient(db, config.adminClientId, config.adminClientSecret, 'Admin (from environment)', ['admin']);
    const signingKey = await loadSigningKey(db, config.jwtSecret);
    const ring = await loadKeyRing(db, config.keys, { kind: db.kind, dataDir: config.dataDir });
    installKeyRing(ring);
    installLedgerSigner(await loadLedgerSigner(db, config.ledger.signingKeys, ring));
    await chainExistingHistory(db);
    return { db, config, signingKey, clock: systemClock };
  } catch (err) {
    await db.close();
    throw err;
  }
}
