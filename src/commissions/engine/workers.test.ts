/**
 * The commission engine in real worker processes on one PostgreSQL database: two of them side by
 * side, and one killed with SIGKILL in the middle of an incremental run. Afterwards the ledger must
 * be what a whole recomputation gives: nothing lost, nothing doubled.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { apply, config, fullRecomputationDelta, setup, step } from '../../../test/helpers/commission-world.ts';
import { migratedDatabase, TEST_BACKEND, TEST_KEYS } from '../../../test/helpers/database.ts';
import type { Database } from '../../db/index.ts';
import { upsertActivity } from '../../ingest/activity.ts';
import { upsertCustomers } from '../../ingest/customers.ts';
import { businessDate } from '../../shared/dates.ts';

const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

function startWorker(url: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [MAIN, 'start', '--role=worker'], {
    env: { ...process.env, DATABASE_URL: url, OPENIB_ENCRYPTION_KEYS: TEST_KEYS, OPENIB_DEMO: '0', OPENIB_COMMISSIONS_AUTO: '1', OPENIB_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { children.delete(child); resolve(code); }));
  return { child, exited };
}

/** Polls a condition every 20 ms, up to a generous bound. */
async function until(what: string, condition: () => Promise<boolean>, seconds = 120) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
}

const caughtUp = async (db: Database) =>
  (
    await db.query<{ done: boolean }>(
      `SELECT NOT EXISTS (SELECT 1 FROM events e, commission_event_position p WHERE (e.txid, e.id) > (p.last_txid, p.last_event_id))
          AND NOT EXISTS (SELECT 1 FROM commission_dirty_cells) AS done`,
    )
  )[0].done;

const engineRunning = async (db: Database) =>
  (
    await db.query<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                      WHERE l.locktype = 'advisory' AND l.objid = 727202 AND l.granted AND d.datname = current_database()) AS held`,
    )
  )[0].held;

const realNow = () => new Date().toISOString();
const realToday = () => businessDate(realNow(), config.brokerTimeZone);
const NOTHING = { entries: 0, reversed: 0, released: 0, sample: [] };

describe.skipIf(TEST_BACKEND !== 'postgres')('the commission engine in worker processes', () => {
  it('two worker processes on one database follow a stream of facts; the ledger equals a whole recomputation', { timeout: 300_000 }, async () => {
    const { db, url, close } = await migratedDatabase();
    try {
      const ids = await setup(db);
      const workers = [startWorker(url as string), startWorker(url as string)];
      const steps = fc.sample(step, { seed: 4242, numRuns: 40 });
      for (const s of steps)
        await apply(db, s, ids).catch((err: { status?: number }) => {
          if (!err.status || err.status >= 500) throw err;
        });
      await until('the workers have read every event', () => caughtUp(db));
      await until('no run is in progress', async () => !(await engineRunning(db)));
      expect(workers.every((w) => w.child.exitCode === null)).toBe(true);
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      expect(await fullRecomputationDelta(db, realNow(), realToday())).toEqual(NOTHING);
      const [{ runs }] = await db.query<{ runs: number }>(`SELECT count(*)::int AS runs FROM commission_runs WHERE trigger = 'events'`);
      expect(runs).toBeGreaterThan(0);
    } finally {
      await close();
    }
  });

  it('a worker killed with SIGKILL in the middle of an incremental run, twice: after a restart the ledger equals a whole recomputation', { timeout: 300_000 }, async () => {
    const { db, url, close } = await migratedDatabase();
    try {
      await setup(db);
      // Enough customers that one batch's run takes a while.
      const many = Array.from({ length: 1500 }, (_, i) => ({ customer_id: `kx-${i}`, signup_date: '2026-02-10T10:00:00.000Z', affiliate_id: ['IA', 'IB', 'IC', 'ID'][i % 4], kyc_status_id: 'approved' }));
      await db.transaction((tx) => upsertCustomers(tx, many, config));
      const batch = (date: string) =>
        db.transaction((tx) =>
          upsertActivity(tx, many.map((c, i) => ({ date, customer_id: c.customer_id, instrument: i % 3 ? 'EURUSD' : 'XAUUSD', currency: 'USD', lots_traded: String(1 + (i % 7)), volume_usd: '100000', spread_cost: '7', commission: '0', pnl: '-3' }))),
        );
      for (const [round, date] of ['2026-03-02', '2026-03-03'].entries()) {
        const w = startWorker(url as string);
        await batch(date);
        await until(`round ${round + 1}: a run is in progress`, () => engineRunning(db));
        w.child.kill('SIGKILL');
        await w.exited;
      }
      const survivor = startWorker(url as string);
      await until('the restarted worker has read every event', () => caughtUp(db));
      await until('no run is in progress', async () => !(await engineRunning(db)));
      survivor.child.kill('SIGTERM');
      await survivor.exited;
      expect(await fullRecomputationDelta(db, realNow(), realToday())).toEqual(NOTHING);
      const [{ entries }] = await db.query<{ entries: number }>(`SELECT count(*)::int AS entries FROM ledger_entries WHERE fact_date IN ('2026-03-02', '2026-03-03')`);
      expect(entries).toBeGreaterThan(0);
    } finally {
      await close();
    }
  });
});
