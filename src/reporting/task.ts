import type { Task } from '../worker/runner.ts';
import { OUTBOX_HORIZON, writesNoEvents } from '../events/outbox.ts';
import { notifyChanged, recomputeCustomers, recomputeKeys, recomputeSubtrees } from './rollups.ts';
import { keysOf, touchOf } from './touched.ts';

const BATCH = 2000;

/**
 * Keeps the reporting rollups up to date: reads the outbox in commit order from its own position,
 * recomputes the (partner, day) keys the new events touch from the facts, moves the position and
 * NOTIFYs openib_reports with the changed partners, all in one transaction. A crash repeats the
 * work (harmless: recomputing a key twice gives the same rows) and loses none.
 */
export function rollupTask(): Task {
  return {
    name: 'report-rollups',
    // Short: an event whose transaction commits after an older one is still open waits for the next round.
    intervalMs: 250,
    wakeOn: ['openib_events'],
    async run(ctx) {
      const timeZone = ctx.config.brokerTimeZone;
      return ctx.db.transaction(async (tx) => {
        // A round can take seconds on a large broker; it writes rollups, never events, so no outbox
        // reader (webhooks, the commission engine) has to wait for it.
        await writesNoEvents(tx);
        const [position] = await tx.query<{ last_txid: string; last_event_id: number }>(
          'SELECT last_txid::text, last_event_id FROM report_event_position WHERE id = 1 FOR UPDATE SKIP LOCKED',
        );
        if (!position) return false;
        const rows = await tx.query<{ id: number; txid: string; type: string; data: Record<string, any> }>(
          `SELECT id, txid::text, type, data FROM events
           WHERE (txid, id) > ($1::xid8, $2::bigint) AND txid < ${OUTBOX_HORIZON}
           ORDER BY txid, id LIMIT ${BATCH}`,
          [position.last_txid, position.last_event_id],
        );
        if (!rows.length) return false;
        const touches = [];
        for (const e of rows) {
          const t = await touchOf(tx, e.type, e.data, timeZone);
          if (t) touches.push(t);
        }
        const { keys, customers, subtrees } = await keysOf(tx, touches);
        await recomputeKeys(tx, keys, timeZone);
        // Last: sums the chains of moved partners over the tree as it is now, whatever came before.
        const resummed = await recomputeSubtrees(tx, subtrees);
        await recomputeCustomers(tx, customers, timeZone);
        await notifyChanged(tx, [...new Set([...keys.map((k) => k.partnerId), ...resummed])]);
        const last = rows[rows.length - 1];
        await tx.query('UPDATE report_event_position SET last_txid = $1::xid8, last_event_id = $2, updated_at = now() WHERE id = 1', [last.txid, last.id]);
        return rows.length === BATCH;
      });
    },
  };
}
