import { businessDate } from '../../shared/dates.ts';
import { OUTBOX_HORIZON } from '../../events/outbox.ts';
import type { Task } from '../../worker/runner.ts';
import { workOf } from './dirty.ts';
import { computeCommissions } from './run.ts';

/** Activity rows per round, at most (a single larger event is still taken whole). */
const ROUND_ROWS = 20_000;
const weightOf = (e: { type: string; data: Record<string, any> }) => (e.type === 'activity.upserted' && typeof e.data?.rows === 'number' ? e.data.rows : 1);

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
        // A round stops at about ROUND_ROWS activity rows, so a backfill never keeps newer facts waiting for long.
        let weight = 0;
        let cut = 0;
        while (cut < rows.length && (cut === 0 || weight + weightOf(rows[cut]) <= ROUND_ROWS)) weight += weightOf(rows[cut++]);
        const more = cut < rows.length || rows.length === 2000;
        rows.splice(cut);
        const today = businessDate(ctx.clock.now().toISOString(), ctx.config.brokerTimeZone);
        const now = ctx.clock.now().toISOString();
        const work = workOf(rows, ctx.config.brokerTimeZone, today);
        // After an upgrade the tier state is built by one whole recomputation from the first tier pay on record.
        const [rebuild] = await tx.query<{ from: string | null }>('SELECT rebuild_from::text AS from FROM commission_event_position WHERE id = 1');
        if (rebuild?.from) {
          work.full = { from: rebuild.from < (work.full?.from ?? today) ? rebuild.from : (work.full?.from ?? today), to: work.full?.to && work.full.to > today ? work.full.to : today };
          work.cells = [];
          await tx.query('UPDATE commission_event_position SET rebuild_from = NULL WHERE id = 1');
        }
        if (work.full) {
          const summary = await computeCommissions(tx, ctx.config, { ...work.full, trigger: 'events', now });
          if (summary.entries_written) ctx.log.info({ run_id: summary.run_id, entries: summary.entries_written, from: summary.from, to: summary.to }, 'commissions recomputed');
        }
        if (work.cells.length) {
          const from = work.cells.reduce((m, c) => (c.from < m ? c.from : m), work.cells[0].from);
          const to = work.cells.reduce((m, c) => (c.to > m ? c.to : m), work.cells[0].to);
          const summary = await computeCommissions(tx, ctx.config, { from, to, cells: work.cells, trigger: 'events', now });
          if (summary.entries_written) ctx.log.info({ run_id: summary.run_id, entries: summary.entries_written, cells: work.cells.length, customers: summary.customers }, 'commissions recomputed');
        }
        const last = rows[rows.length - 1];
        await tx.query('UPDATE commission_event_position SET last_txid = $1::xid8, last_event_id = $2, updated_at = now() WHERE id = 1', [last.txid, last.id]);
        return more;
      });
    },
  };
}
