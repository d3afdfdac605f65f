import { addDays, businessDate } from '../../shared/dates.ts';
import { OUTBOX_HORIZON } from '../../events/outbox.ts';
import type { Sql } from '../../db/index.ts';
import type { Task, WorkerContext } from '../../worker/runner.ts';
import { queueCells, workOf } from './dirty.ts';
import { computeCommissions, ENGINE_LOCK } from './run.ts';

/** Events read from the outbox per round. */
const EVENTS_PER_ROUND = 2000;
/**
 * Customer-days recomputed per incremental run, the cells that start latest first (a cell counts
 * its days, at most 31 whatever its length; the first cell is always taken). Small runs, newest
 * first, keep today's trades from waiting behind a backfill or a long re-attribution.
 */
const DAYS_PER_RUN = 1000;

/**
 * Recomputes commissions shortly after facts change, in two steps per round:
 *
 * 1. **Collect.** Reads the outbox in commit order from its own position (claimed with SKIP LOCKED,
 *    so one process at a time): plan, tree and fx changes are recomputed at once over whole months;
 *    customer-level events become cells in `commission_dirty_cells`. The position moves in the same
 *    transaction, so a crash repeats the work and loses none.
 * 2. **Compute.** Takes the engine lock if it is free, takes up to DAYS_PER_RUN customer-days, newest
 *    business dates first (while cells of today or yesterday wait, only those), and recomputes them
 *    in one incremental run (see dirty.ts), deleting them in the same transaction.
 */
export function commissionTask(): Task {
  return {
    name: 'commissions',
    intervalMs: 250,
    wakeOn: ['openib_events'],
    async run(ctx) {
      if (!ctx.config.commissionsAuto) return false;
      const collected = await collect(ctx);
      const computed = await compute(ctx);
      // Events held back by a transaction that may wake nobody when it ends: look again shortly.
      if (collected === 'held back' && !computed) await new Promise((r) => setTimeout(r, HELD_BACK_PAUSE_MS));
      return collected !== false || computed;
    },
  };
}

async function collect(ctx: WorkerContext): Promise<boolean | 'held back'> {
  return ctx.db.transaction(async (tx) => {
    const [position] = await tx.query<{ last_txid: string; last_event_id: number; rebuild_from: string | null }>(
      'SELECT last_txid::text, last_event_id, rebuild_from::text FROM commission_event_position WHERE id = 1 FOR UPDATE SKIP LOCKED',
    );
    if (!position) return false;
    const rows = await tx.query<{ id: number; txid: string; type: string; data: Record<string, any> }>(
      `SELECT id, txid::text, type, data FROM events
       WHERE (txid, id) > ($1::xid8, $2::bigint) AND txid < ${OUTBOX_HORIZON}
       ORDER BY txid, id LIMIT ${EVENTS_PER_ROUND}`,
      [position.last_txid, position.last_event_id],
    );
    if (!rows.length && !position.rebuild_from) return heldBack(tx, position);
    const today = businessDate(ctx.clock.now().toISOString(), ctx.config.brokerTimeZone);
    const now = ctx.clock.now().toISOString();
    const work = workOf(rows, ctx.config.brokerTimeZone, today);
    // After an upgrade the tier state is built by one whole recomputation from the first tier pay on record.
    if (position.rebuild_from) {
      work.full = { from: position.rebuild_from < (work.full?.from ?? today) ? position.rebuild_from : (work.full?.from ?? today), to: work.full?.to && work.full.to > today ? work.full.to : today };
      work.cells = [];
      await tx.query('UPDATE commission_event_position SET rebuild_from = NULL WHERE id = 1');
    }
    if (work.full) {
      const summary = await computeCommissions(tx, ctx.config, { ...work.full, trigger: 'events', now });
      if (summary.entries_written) ctx.log.info({ run_id: summary.run_id, entries: summary.entries_written, from: summary.from, to: summary.to }, 'commissions recomputed');
    }
    await queueCells(tx, work.cells);
    const last = rows[rows.length - 1];
    if (last) await tx.query('UPDATE commission_event_position SET last_txid = $1::xid8, last_event_id = $2, updated_at = now() WHERE id = 1', [last.txid, last.id]);
    return rows.length === EVENTS_PER_ROUND ? true : await heldBack(tx, { last_txid: last?.txid ?? position.last_txid, last_event_id: last?.id ?? position.last_event_id });
  });
}

/**
 * Whether committed events wait behind a transaction still open in this database (see
 * OUTBOX_HORIZON). That transaction may write no event and so wake nobody when it ends: the task
 * looks again after a short pause (outside any transaction) instead of after its interval.
 */
async function heldBack(tx: Sql, position: { last_txid: string; last_event_id: number }): Promise<'held back' | false> {
  const [{ waiting }] = await tx.query<{ waiting: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM events WHERE (txid, id) > ($1::xid8, $2::bigint)) AS waiting',
    [position.last_txid, position.last_event_id],
  );
  return waiting ? 'held back' : false;
}
const HELD_BACK_PAUSE_MS = 20;

async function compute(ctx: WorkerContext): Promise<boolean> {
  return ctx.db.transaction(async (tx) => {
    // Another process computing now will take the remaining cells itself.
    const [{ locked }] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [ENGINE_LOCK]);
    if (!locked) return false;
    // Cells of today and yesterday run on their own, never mixed with older ones: a closed trade's
    // run stays small however large the backfill queued beside it.
    const fresh = addDays(businessDate(ctx.clock.now().toISOString(), ctx.config.brokerTimeZone), -1);
    const taken = await tx.query<{ customer_id: string; from: string; to: string }>(
      `DELETE FROM commission_dirty_cells WHERE id IN (
         SELECT id FROM (
           SELECT id, sum(least(date_to - date_from + 1, 31)) OVER (ORDER BY date_from DESC, id ROWS UNBOUNDED PRECEDING) AS days,
                  row_number() OVER (ORDER BY date_from DESC, id) AS n
           FROM (SELECT id, date_from, date_to FROM commission_dirty_cells ORDER BY date_from DESC, id LIMIT $1) newest
           WHERE date_from >= $2::date OR NOT EXISTS (SELECT 1 FROM commission_dirty_cells f WHERE f.date_from >= $2::date)) c
         WHERE c.days <= $1 OR c.n = 1)
       RETURNING customer_id, date_from::text AS from, date_to::text AS to`,
      [DAYS_PER_RUN, fresh],
    );
    if (!taken.length) return false;
    const cells = taken.map((c) => ({ customer_id: c.customer_id, from: c.from, to: c.to }));
    const from = cells.reduce((m, c) => (c.from < m ? c.from : m), cells[0].from);
    const to = cells.reduce((m, c) => (c.to > m ? c.to : m), cells[0].to);
    const summary = await computeCommissions(tx, ctx.config, { from, to, cells, trigger: 'events', now: ctx.clock.now().toISOString() });
    if (summary.entries_written) ctx.log.info({ run_id: summary.run_id, entries: summary.entries_written, cells: summary.cells, customers: summary.customers }, 'commissions recomputed');
    const [{ left }] = await tx.query<{ left: boolean }>('SELECT EXISTS (SELECT 1 FROM commission_dirty_cells) AS left');
    return left;
  });
}
