import { businessDate } from '../../shared/dates.ts';
import { OUTBOX_HORIZON } from '../../events/outbox.ts';
import type { Task } from '../../worker/runner.ts';
import { workOf } from './dirty.ts';
import { computeCommissions } from './run.ts';

/**
 * Recomputes commissions shortly after facts change: reads the outbox in commit order from its own
 * position, recomputes what the new events touch (incrementally: see dirty.ts), and moves the position in the same
 * transaction, so a crash repeats the work (harmless: the ledger already agrees) and loses none.
 */
export function commissionTask(): Task {
  return {
    name: 'commissions',
    intervalMs: 2000,
    wakeOn: ['openib_events'],
    async run(ctx) {
      if (!ctx.config.commissionsAuto) return false;
      return ctx.db.transaction(async (tx) => {
        const [position] = await tx.query<{ last_txid: string; last_event_id: number }>(
          'SELECT last_txid::text, last_event_id FROM commission_event_position WHERE id = 1 FOR UPDATE SKIP LOCKED',
        );
        if (!position) return false;
        const rows = await tx.query<{ id: number; txid: string; type: string; data: Record<string, any> }>(
          `SELECT id, txid::text, type, data FROM events
           WHERE (txid, id) > ($1::xid8, $2::bigint) AND txid < ${OUTBOX_HORIZON}
           ORDER BY txid, id LIMIT 2000`,
          [position.last_txid, position.last_event_id],
        );
        if (!rows.length) return false;
        const today = businessDate(ctx.clock.now().toISOString(), ctx.config.brokerTimeZone);
        const now = ctx.clock.now().toISOString();
        const work = workOf(rows, ctx.config.brokerTimeZone, today);
        // After an upgrade the tier state is built by one whole recomputation from the first tier pay on record.
        const [rebuild] = await tx.query<{ from: string | null }>('SELECT rebuild_from::text AS from FROM commission_event_position WHERE id = 1');
        if (rebuild?.from) {
          work.full = { from: rebuild.from < (work.full?.from ?? today) ? rebuild.from : (work.full?.from ?? today), to: work.full?.to && work.full.to > today ? work.full.to : today };
          work.customers = [];
          await tx.query('UPDATE commission_event_position SET rebuild_from = NULL WHERE id = 1');
        }
        if (work.full) {
          const summary = await computeCommissions(tx, ctx.config, { ...work.full, trigger: 'events', now });
          if (summary.entries_written) ctx.log.info({ run_id: summary.run_id, entries: summary.entries_written, from: summary.from, to: summary.to }, 'commissions recomputed');
        }
        for (const w of work.customers) {
          const summary = await computeCommissions(tx, ctx.config, { ...w, trigger: 'events', now });
          if (summary.entries_written) ctx.log.info({ run_id: summary.run_id, entries: summary.entries_written, from: w.from, to: w.to, customers: w.customers.length }, 'commissions recomputed');
        }
        const last = rows[rows.length - 1];
        await tx.query('UPDATE commission_event_position SET last_txid = $1::xid8, last_event_id = $2, updated_at = now() WHERE id = 1', [last.txid, last.id]);
        return rows.length === 2000;
      });
    },
  };
}
