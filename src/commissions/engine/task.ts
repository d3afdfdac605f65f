import { businessDate } from '../../shared/dates.ts';
import type { Task } from '../../worker/runner.ts';
import { computeCommissions } from './run.ts';

/** Event types that change what someone earned, and the first business date they affect. */
const RELEVANT = [
  'activity.upserted',
  'transaction.created',
  'transaction.status_changed',
  'customer.registered',
  'customer.updated',
  'customer.attributed',
  'customer.reassigned',
  'partner.moved',
  'fx_rates.updated',
  'plan.version_created',
  'partner.plan_assigned',
];

type Data = Record<string, any>;

/** The business dates an event touches: [from, to], where to = undefined means "up to today". */
export function affectedRange(type: string, data: Data, timeZone: string): { from: string; to?: string } | undefined {
  const day = (iso: unknown) => (typeof iso === 'string' ? (iso.length === 10 ? iso : businessDate(iso, timeZone)) : undefined);
  switch (type) {
    case 'activity.upserted':
    case 'fx_rates.updated': {
      const from = day(data.date_from);
      return from ? { from, to: day(data.date_to) ?? from } : undefined;
    }
    case 'transaction.created':
    case 'transaction.status_changed': {
      const d = day(data.transaction?.transaction_date);
      return d ? { from: d, to: d } : undefined;
    }
    case 'customer.registered': {
      const d = day(data.customer?.signup_date);
      return d ? { from: d, to: d } : undefined;
    }
    case 'customer.updated': {
      const changed: string[] = data.changed ?? [];
      if (!changed.some((c) => ['kyc_status_id', 'country_code', 'signup_date'].includes(c))) return undefined;
      const d = day(data.customer?.signup_date);
      return d ? { from: d } : undefined;
    }
    default: {
      const d = day(data.effective_from ?? data.attribution?.effective_from);
      return d ? { from: d } : undefined;
    }
  }
}

/**
 * Recomputes commissions shortly after facts change: reads the outbox in commit order from its own
 * position, recomputes the months the new events touch, and moves the position in the same
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
        const rows = await tx.query<{ id: number; txid: string; type: string; data: Data }>(
          `SELECT id, txid::text, type, data FROM events
           WHERE (txid, id) > ($1::xid8, $2::bigint) AND txid < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY txid, id LIMIT 2000`,
          [position.last_txid, position.last_event_id],
        );
        if (!rows.length) return false;
        const today = businessDate(ctx.clock.now().toISOString(), ctx.config.brokerTimeZone);
        let from: string | undefined;
        let to: string | undefined;
        for (const e of rows) {
          if (!RELEVANT.includes(e.type)) continue;
          const range = affectedRange(e.type, e.data, ctx.config.brokerTimeZone);
          if (!range) continue;
          const end = range.to ?? today;
          if (!from || range.from < from) from = range.from;
          if (!to || end > to) to = end;
        }
        if (from && to) {
          const summary = await computeCommissions(tx, ctx.config, { from, to: to < from ? from : to, trigger: 'events', now: ctx.clock.now().toISOString() });
          if (summary.entries_written) ctx.log.info({ run_id: summary.run_id, entries: summary.entries_written, from, to }, 'commissions recomputed');
        }
        const last = rows[rows.length - 1];
        await tx.query('UPDATE commission_event_position SET last_txid = $1::xid8, last_event_id = $2, updated_at = now() WHERE id = 1', [last.txid, last.id]);
        return rows.length === 2000;
      });
    },
  };
}
