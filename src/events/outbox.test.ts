import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, POSTGRES_ADMIN_URL, TEST_BACKEND } from '../../test/helpers/database.ts';
import type { Database } from '../db/index.ts';
import { appendEvents, OUTBOX_HORIZON, writesNoEvents } from './outbox.ts';

let db: Database;
let close: () => Promise<void>;
let url: string | undefined;
beforeAll(async () => {
  ({ db, close, url } = await migratedDatabase());
});
afterAll(() => close?.());

const event = (n: number) => ({ type: 'test.event', subjectType: 'test', subjectId: String(n), data: { n } });
const readable = async () => (await db.query<{ n: string }>(`SELECT subject_id AS n FROM events WHERE type = 'test.event' AND txid < ${OUTBOX_HORIZON} ORDER BY id`)).map((r) => r.n);

describe('the outbox horizon', () => {
  it('lets readers see every committed event when nothing else runs', async () => {
    await db.transaction((tx) => appendEvents(tx, [event(1)]));
    expect(await readable()).toEqual(['1']);
  });

  // Two connections at once: only a server has them.
  it.skipIf(TEST_BACKEND !== 'postgres')('is not held back by a long transaction in another database of the server', async () => {
    const other = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()');
      await db.transaction((tx) => appendEvents(tx, [event(2)]));
      expect(await readable()).toEqual(['1', '2']);
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
  });

  it.skipIf(TEST_BACKEND !== 'postgres')('holds back events committed after an older transaction of the same database that is still open', async () => {
    const mine = new pg.Client({ connectionString: url });
    await mine.connect();
    try {
      await mine.query('BEGIN');
      await mine.query('SELECT pg_current_xact_id()');
      await db.transaction((tx) => appendEvents(tx, [event(3)]));
      // Event 3 committed, but the open transaction began earlier and may still write events before it.
      expect(await readable()).toEqual(['1', '2']);
      await mine.query('COMMIT');
      expect(await readable()).toEqual(['1', '2', '3']);
    } finally {
      await mine.end().catch(() => {});
    }
  });

  it.skipIf(TEST_BACKEND !== 'postgres')('is not held back by an open transaction of the same database that declared it writes no events', async () => {
    const mine = new pg.Client({ connectionString: url });
    await mine.connect();
    try {
      await mine.query('BEGIN');
      await mine.query(`SELECT set_config('application_name', 'openib:writes-no-events:' || pg_current_xact_id()::text, true)`);
      await mine.query('CREATE TEMP TABLE rollup_work (n int)'); // it writes, just no events
      await db.transaction((tx) => appendEvents(tx, [event(4)]));
      expect(await readable()).toEqual(['1', '2', '3', '4']);
      // The declaration holds: the database refuses an event from that transaction.
      await expect(mine.query(`INSERT INTO events (type, subject_type, subject_id, data) VALUES ('test.event', 'test', '5', '{}')`)).rejects.toThrow(/declared that it writes no events/);
      await mine.query('ROLLBACK');
      // After it ends, the connection's transactions are waited for again.
      await mine.query('BEGIN');
      await mine.query('SELECT pg_current_xact_id()');
      await db.transaction((tx) => appendEvents(tx, [event(6)]));
      expect(await readable()).toEqual(['1', '2', '3', '4']);
      await mine.query('COMMIT');
      expect(await readable()).toEqual(['1', '2', '3', '4', '6']);
    } finally {
      await mine.end().catch(() => {});
    }
  });

  it('refuses an event from a transaction that declared it writes none, on every backend', async () => {
    await expect(
      db.transaction(async (tx) => {
        await writesNoEvents(tx);
        await appendEvents(tx, [event(7)]);
      }),
    ).rejects.toThrow(/declared that it writes no events/);
    await db.transaction((tx) => appendEvents(tx, [event(8)]));
    expect((await readable()).at(-1)).toBe('8');
  });
});
