import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../../test/helpers/database.ts';
import { loadConfig } from '../../config.ts';
import type { Database } from '../../db/index.ts';
import { ManualClock } from '../../worker/clock.ts';
import { silentLogger } from '../../worker/log.ts';
import { commissionTask } from './task.ts';

let world: Awaited<ReturnType<typeof migratedDatabase>>;
let db: Database;
beforeAll(async () => {
  world = await migratedDatabase();
  db = world.db;
});
afterAll(() => world.close());

const queued = async () =>
  (await db.query<{ customer_id: string; date_from: string }>('SELECT customer_id, date_from::text FROM commission_dirty_cells ORDER BY date_from, customer_id')).map(
    (r) => `${r.customer_id} ${r.date_from}`,
  );

describe('the background engine takes fresh cells first and on their own', () => {
  it("runs today's and yesterday's cells without the older ones queued beside them, then the older ones", async () => {
    const clock = new ManualClock(Date.parse('2026-11-20T12:00:00Z'));
    const ctx = { db, config: { ...loadConfig({}), commissionsAuto: true }, clock, log: silentLogger, signal: new AbortController().signal, wake() {} };
    await db.query(
      `INSERT INTO commission_dirty_cells (customer_id, date_from, date_to) VALUES
         ('old-1', '2026-10-01', '2026-10-01'), ('old-2', '2026-10-02', '2026-10-02'), ('old-3', '2026-11-18', '2026-11-18'),
         ('today', '2026-11-20', '2026-11-20'), ('yesterday', '2026-11-19', '2026-11-19')`,
    );
    const task = commissionTask();
    expect(await task.run(ctx)).toBe(true); // older cells are left
    expect(await queued()).toEqual(['old-1 2026-10-01', 'old-2 2026-10-02', 'old-3 2026-11-18']);
    await task.run(ctx);
    expect(await queued()).toEqual([]);
    const runs = await db.query<{ date_from: string; date_to: string }>('SELECT date_from::text, date_to::text FROM commission_runs ORDER BY id');
    expect(runs).toEqual([
      { date_from: '2026-11-19', date_to: '2026-11-20' },
      { date_from: '2026-10-01', date_to: '2026-11-18' },
    ]);
  });
});
