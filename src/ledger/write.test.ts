import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../test/helpers/database.ts';
import type { Database } from '../db/index.ts';
import { createPartner } from '../partners/partners.ts';
import { append, CURRENT_STATUS, type NewLedgerEntry, transition } from './write.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the ledger has one writer', () => {
  it('no source file but src/ledger/write.ts inserts into, updates or deletes from the ledger tables', () => {
    const writes = /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE)\s+(ONLY\s+)?(ledger_entries|ledger_entry_status|ledger_status_log|ledger_chain|ledger_chain_heads)\b/i;
    const offenders = sourceFiles('src').filter((f) => f !== join('src', 'ledger', 'write.ts') && writes.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('the ledger is read with its statuses', () => {
  it('every query left-joins ledger_entry_status: an entry has no status row until it moves', () => {
    const inner = /(?<!LEFT\s)(?<!LEFT OUTER\s)\bJOIN\s+ledger_entry_status\b/i;
    const offenders = sourceFiles('src').filter((f) => inner.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('append and transition', () => {
  let db: Database;
  let close: () => Promise<void>;
  let partner: string;
  beforeAll(async () => {
    ({ db, close } = await migratedDatabase());
    partner = (await db.transaction((tx) => createPartner(tx, { name: 'Writer test', affiliateId: 'WT-1', maxLevels: 10 }))).partner_id;
  });
  afterAll(() => close?.());

  const entry = (amount: string, extra: Partial<NewLedgerEntry> = {}): NewLedgerEntry => ({
    source_type: 'activity', source_key: `2026-03-02|c1|EURUSD|USD`, rule: 'per_lot', kind: 'per_lot', partner_id: partner, level: 0, currency: 'USD',
    amount, fact_date: '2026-03-02', customer_id: 'c1', instrument: 'EURUSD', status: 'approved',
    explanation: { rule: 'per_lot', inputs: { lots: '2', rate: '5' }, formula: 'lots × rate', arithmetic: '2 × 5 = 10', result: amount }, ...extra,
  });
  const statusOf = async (ids: number[]) =>
    (
      await db.query<{ status: string; payout_id: string | null }>(
        `SELECT ${CURRENT_STATUS} AS status, s.payout_id FROM ledger_entries e LEFT JOIN ledger_entry_status s ON s.entry_id = e.id WHERE e.id = ANY($1::bigint[]) ORDER BY e.id`,
        [ids],
      )
    ).map((r) => [r.status, r.payout_id]);
  const logOf = (ids: number[]) =>
    db.query<{ from_status: string | null; to_status: string; changed_by: string }>('SELECT from_status, to_status, changed_by FROM ledger_status_log WHERE entry_id = ANY($1::bigint[]) ORDER BY id', [ids]);

  it('appends entries with their first status on the entry itself, ids in the order given', async () => {
    const rows = await db.transaction((tx) => append(tx, [entry('10'), entry('4', { status: 'pending', hold_reason: 'kyc_pending', rule: 'override', level: 1 })], { runId: null, actor: 'test' }));
    expect(rows.map((r) => r.entry.amount)).toEqual(['10', '4']);
    expect(rows[1].id).toBeGreaterThan(rows[0].id);
    expect(await statusOf(rows.map((r) => r.id))).toEqual([['approved', null], ['pending', null]]);
    // Nothing has moved yet: no status rows, nothing in the log.
    expect(await db.query('SELECT 1 FROM ledger_entry_status WHERE entry_id = ANY($1::bigint[])', [rows.map((r) => r.id)])).toEqual([]);
    expect(await logOf(rows.map((r) => r.id))).toEqual([]);
    const [created] = await db.query<{ created_by: string }>('SELECT created_by FROM ledger_entries WHERE id = $1', [rows[0].id]);
    expect(created.created_by).toBe('test');
  });

  it('logs every move with the status it left', async () => {
    const [row] = await db.transaction((tx) => append(tx, [entry('6', { status: 'pending', hold_reason: 'kyc_pending' })]));
    await db.transaction((tx) => transition(tx, [row.id], 'approved', 'kyc approved', ['pending'], { actor: 'kyc' }));
    await db.transaction((tx) => transition(tx, [row.id], 'paid', 'paid', ['approved'], { actor: 'finance', payoutId: 'st-9' }));
    expect(await logOf([row.id])).toEqual([
      { from_status: 'pending', to_status: 'approved', changed_by: 'kyc' },
      { from_status: 'approved', to_status: 'paid', changed_by: 'finance' },
    ]);
  });

  it.each([
    // [first status, to, allowed from, moved?]
    ['approved', 'paid', ['approved'], true],
    ['pending', 'paid', ['approved'], false],
    ['pending', 'approved', ['pending'], true],
    ['approved', 'reversed', ['pending', 'approved'], true],
    ['paid', 'reversed', ['pending', 'approved'], false],
  ] as const)('an entry %s moved to %s from %j: moved = %s', async (first, to, from, moved) => {
    const [row] = await db.transaction((tx) => append(tx, [entry('3', { status: first === 'paid' ? 'approved' : first })]));
    if (first === 'paid') await db.transaction((tx) => transition(tx, [row.id], 'paid', 'setup', ['approved'], { actor: 'test' }));
    const ids = await db.transaction((tx) => transition(tx, [row.id], to, 'table test', [...from], { actor: 'test' }));
    expect(ids).toEqual(moved ? [row.id] : []);
    expect((await statusOf([row.id]))[0][0]).toBe(moved ? to : first);
  });

  it('records the paying statement on paid entries and clears it when the payment fails', async () => {
    const [row] = await db.transaction((tx) => append(tx, [entry('7')]));
    await db.transaction((tx) => transition(tx, [row.id], 'paid', 'paid', ['approved'], { actor: 'finance', payoutId: 'st-1' }));
    expect(await statusOf([row.id])).toEqual([['paid', 'st-1']]);
    await db.transaction((tx) => transition(tx, [row.id], 'approved', 'payment failed', ['paid'], { actor: 'finance', payoutId: null }));
    expect(await statusOf([row.id])).toEqual([['approved', null]]);
  });

  it('announces a released hold as commission.approved and a reversal of approved commission as a negative amount', async () => {
    const [held, ok] = await db.transaction((tx) => append(tx, [entry('2', { status: 'pending', hold_reason: 'kyc_pending' }), entry('5')]));
    const before = (await db.query<{ max: number | null }>('SELECT max(id) AS max FROM events'))[0].max ?? 0;
    await db.transaction((tx) => transition(tx, [held.id], 'approved', 'kyc approved', ['pending']));
    await db.transaction((tx) => transition(tx, [ok.id], 'reversed', 'fact withdrawn', ['pending', 'approved']));
    const events = await db.query<{ type: string; data: { amount?: string; status?: string } }>('SELECT type, data FROM events WHERE id > $1 ORDER BY id', [before]);
    expect(events.map((e) => [e.type, e.data.amount ?? e.data.status])).toEqual([
      ['commission.status_changed', 'approved'],
      ['commission.approved', '2'],
      ['commission.status_changed', 'reversed'],
      ['commission.approved', '-5'],
    ]);
  });

  it('refuses to change an entry itself: corrections are new entries', async () => {
    const [row] = await db.transaction((tx) => append(tx, [entry('1')]));
    await expect(db.query('UPDATE ledger_entries SET amount = 2 WHERE id = $1', [row.id])).rejects.toThrow(/append-only/);
  });
});
