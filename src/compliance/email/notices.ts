import type { Database } from '../../db/index.ts';
import { OUTBOX_HORIZON } from '../../events/outbox.ts';
import type { Task } from '../../worker/runner.ts';
import type { EmailKind } from './catalogue.ts';
import { queueEmail } from './outbox.ts';

/** Which events become which partner emails, and the values the texts use. */
const NOTICES: Record<string, { kind: EmailKind; values: (d: Record<string, any>) => Record<string, string> }> = {
  'customer.attributed': { kind: 'client_registered', values: (d) => ({ customer: String(d.customer_id ?? '') }) },
  'cpa.qualified': { kind: 'client_qualified', values: (d) => ({ customer: String(d.customer_id ?? '') }) },
  'commission.approved': { kind: 'commission_approved', values: (d) => ({ amount: String(d.amount ?? ''), currency: String(d.currency ?? '') }) },
};

/**
 * Reads the outbox in commit order (like the webhook fan-out) and queues the activity emails the
 * partners asked for. One process at a time moves the position; the others skip the locked row.
 */
export async function queueNotices(db: Database, publicUrl: string, limit = 500): Promise<number> {
  return db.transaction(async (tx) => {
    const [pos] = await tx.query<{ last_txid: string; last_event_id: number }>('SELECT last_txid::text, last_event_id FROM email_event_position WHERE id = 1 FOR UPDATE SKIP LOCKED');
    if (!pos) return 0;
    const events = await tx.query<{ txid: string; id: number; type: string; data: Record<string, any> }>(
      `SELECT txid::text AS txid, id, type, data FROM events WHERE (txid, id) > ($1::xid8, $2::bigint) AND txid < ${OUTBOX_HORIZON} ORDER BY txid, id LIMIT $3`,
      [pos.last_txid, pos.last_event_id, limit],
    );
    if (events.length === 0) return 0;
    for (const e of events) {
      const notice = NOTICES[e.type];
      const partnerId = e.data?.partner_id;
      if (notice && typeof partnerId === 'string' && !e.data.self_referral) await queueEmail(tx, publicUrl, partnerId, notice.kind, notice.values(e.data));
    }
    const last = events.at(-1)!;
    await tx.query('UPDATE email_event_position SET last_txid = $1::xid8, last_event_id = $2, updated_at = now() WHERE id = 1', [last.txid, last.id]);
    return events.length;
  });
}

export function emailNoticeTask(): Task {
  return {
    name: 'email-notices',
    wakeOn: ['openib_events'],
    async run(ctx) {
      if (ctx.signal.aborted) return false;
      return (await queueNotices(ctx.db, ctx.config.publicUrl)) > 0;
    },
  };
}
