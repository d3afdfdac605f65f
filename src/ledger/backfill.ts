import type { Database, Sql } from '../db/index.ts';
import type { ChainRecord, RecordType } from './chain.ts';
import { recordBodies } from './export.ts';
import { chain } from './write.ts';

const TYPE_ORDER: Record<RecordType, number> = { attribution: 0, attribution_superseded: 1, ledger_entry: 2, ledger_status: 3 };

/**
 * Chains the history written before partner chains existed, once (migration 0900 leaves a
 * "pending" flag; the first process to open the database does this under the migration's lock).
 * Each partner's records go in this documented order: by the time they were written (attribution
 * rows by created_at, supersessions by superseded_at, entries by created_at, status moves by
 * changed_at), then attribution, attribution_superseded, ledger_entry, ledger_status, then id.
 * Returns the number of records chained.
 */
export async function chainExistingHistory(db: Database): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('openib.ledger_chain_backfill'))`);
    const [flag] = await tx.query<{ value: string }>(`SELECT value #>> '{}' AS value FROM settings WHERE key = 'ledger_chain_backfill'`);
    if (flag?.value !== 'pending') return 0;
    const partners = await tx.query<{ partner_id: string }>(
      'SELECT partner_id FROM partners p WHERE NOT EXISTS (SELECT 1 FROM ledger_chain_heads h WHERE h.partner_id = p.partner_id) ORDER BY partner_id',
    );
    let total = 0;
    for (const { partner_id } of partners) total += await chainPartnerHistory(tx, partner_id);
    await tx.query(`UPDATE settings SET value = '"done"', updated_at = now() WHERE key = 'ledger_chain_backfill'`);
    return total;
  });
}

async function chainPartnerHistory(tx: Sql, partnerId: string): Promise<number> {
  const refs = await tx.query<{ type: RecordType; id: number; at: string }>(
    `SELECT 'ledger_entry' AS type, id, created_at AS at FROM ledger_entries WHERE partner_id = $1
     UNION ALL
     SELECT 'ledger_status', l.id, l.changed_at FROM ledger_status_log l JOIN ledger_entries e ON e.id = l.entry_id WHERE e.partner_id = $1
     UNION ALL
     SELECT 'attribution', attribution_id, created_at FROM attributions WHERE partner_id = $1
     UNION ALL
     SELECT 'attribution_superseded', attribution_id, superseded_at FROM attributions WHERE partner_id = $1 AND superseded_at IS NOT NULL AND superseded_by IS NOT NULL`,
    [partnerId],
  );
  if (!refs.length) return 0;
  const sorted = refs
    .map((r) => ({ ...r, id: Number(r.id), ms: Date.parse(r.at) }))
    .sort((a, b) => a.ms - b.ms || TYPE_ORDER[a.type] - TYPE_ORDER[b.type] || a.id - b.id);
  for (let i = 0; i < sorted.length; i += 10_000) {
    const slice = sorted.slice(i, i + 10_000);
    const bodies = await recordBodies(tx, slice);
    const records: ChainRecord[] = slice.map((r) => ({ partner_id: partnerId, type: r.type, id: r.id, body: bodies[r.type].get(r.id) as Record<string, unknown> }));
    await chain(tx, records);
  }
  return sorted.length;
}
