import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BACKEND } from '../../test/helpers/database.ts';
import { startWebhookWorld, type WebhookWorld } from '../../test/helpers/webhooks.ts';
import { appendEvents } from '../events/outbox.ts';
import { fanOut } from './fanout.ts';

let w: WebhookWorld;
beforeAll(async () => {
  w = await startWebhookWorld({}, { role: 'api' });
  await w.endpoint({ url: 'http://127.0.0.1:9/', event_types: ['test.ordered'] });
});
afterAll(() => w.stop());

const event = (n: number) => ({ type: 'test.ordered', subjectType: 'test', subjectId: String(n), data: { n } });
const queued = async () =>
  (await w.t.server.ctx.db.query<{ n: number }>(`SELECT (e.data ->> 'n')::int AS n FROM webhook_messages m JOIN events e ON e.id = m.event_seq ORDER BY 1`)).map(
    (r) => r.n,
  );

/** Fans out until nothing is held back (an open transaction in another test's database can hold events back briefly). */
async function fanOutAll() {
  const total = { read: 0, made: 0 };
  for (let i = 0; i < 500; i++) {
    const r = await fanOut(w.t.server.ctx.db, w.clock.now());
    total.read += r.read;
    total.made += r.made;
    if (!r.heldBack) return total;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('events stayed held back');
}

describe('fan-out from the outbox', () => {
  it('makes one message per event and endpoint, however often it runs', async () => {
    const { db } = w.t.server.ctx;
    await db.transaction((tx) => appendEvents(tx, [event(1), event(2)]));
    expect(await fanOutAll()).toEqual({ read: 2, made: 2 });
    expect(await fanOutAll()).toEqual({ read: 0, made: 0 });
    // Reading the same events again (a crash before the position was saved) changes nothing.
    await db.query(`UPDATE webhook_fanout SET last_event_id = 0, last_txid = '0'`);
    expect((await fanOutAll()).made).toBe(0);
    expect(await queued()).toEqual([1, 2]);
  });

  // Two transactions at once need two connections: a server database.
  it.skipIf(TEST_BACKEND !== 'postgres')('does not skip an event whose transaction commits after a later one', async () => {
    const { db, config } = w.t.server.ctx;
    const early = new pg.Client({ connectionString: config.databaseUrl });
    await early.connect();
    try {
      await early.query('BEGIN');
      // Takes the smaller event id, then stays open.
      await early.query(
        `INSERT INTO events (type, subject_type, subject_id, data) VALUES ('test.ordered', 'test', '3', '{"n": 3}')`,
      );
      await db.transaction((tx) => appendEvents(tx, [event(4)]));
      const held = await fanOut(db, w.clock.now());
      expect(held).toMatchObject({ read: 0, heldBack: true });
      await early.query('COMMIT');
      expect(await fanOutAll()).toEqual({ read: 2, made: 2 });
      expect(await queued()).toEqual([1, 2, 3, 4]);
    } finally {
      await early.end();
    }
  });
});
