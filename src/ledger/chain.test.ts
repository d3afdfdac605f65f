import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../test/helpers/database.ts';
import { verifyBundle } from '../../tools/openib-verify.mjs';
import type { Database, Sql } from '../db/index.ts';
import { createPartner } from '../partners/partners.ts';
import { reassignCustomer } from '../partners/attribution/reassign.ts';
import { insertFirstOwners } from '../partners/attribution/store.ts';
import { chainExistingHistory } from './backfill.ts';
import { canonical, GENESIS, recordHash } from './chain.ts';
import { issueCheckpoints, issueDailyCheckpoints } from './checkpoints.ts';
import { ledgerBundle } from './export.ts';
import { append, type NewLedgerEntry, transition } from './write.ts';

let db: Database;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await migratedDatabase());
});
afterAll(() => close?.());

let n = 0;
async function partner(name: string): Promise<string> {
  n++;
  return (await db.transaction((tx) => createPartner(tx, { name, affiliateId: `CH-${n}-${name.replace(/\W/g, '')}`, maxLevels: 10 }))).partner_id;
}
const entry = (partnerId: string, amount: string, extra: Partial<NewLedgerEntry> = {}): NewLedgerEntry => ({
  source_type: 'activity', source_key: `2026-03-02|c1|EURUSD|USD|${amount}`, rule: 'per_lot', kind: 'per_lot', partner_id: partnerId, level: 0, currency: 'USD',
  amount, fact_date: '2026-03-02', customer_id: null as unknown as undefined, instrument: 'EURUSD', status: 'approved',
  explanation: { rule: 'per_lot', inputs: { lots: '2', rate: '5', ratio: 0.5, none: null }, arithmetic: '2 × 5 = 10', result: amount, note: 'Ünïcödé ✓' }, ...extra,
});
async function customer(id: string): Promise<void> {
  await db.query('INSERT INTO customers (customer_id, signup_date) VALUES ($1, $2)', [id, '2026-01-01T00:00:00Z']);
}
const verify = async (partnerId: string, from = 0) => verifyBundle(await ledgerBundle(db, partnerId, from));

/** As a malicious operator would: the append-only trigger off for one statement. */
async function tamper(sql: string, params: unknown[] = [], table = 'ledger_entries', trigger = 'ledger_entries_append_only'): Promise<void> {
  await db.transaction(async (tx: Sql) => {
    await tx.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    await tx.query(sql, params);
    await tx.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
  });
}

describe('the partner chain', () => {
  it('hashes each record with its position and the previous hash, in the transaction that writes it', async () => {
    const p = await partner('Chain one');
    const [a, b] = await db.transaction((tx) => append(tx, [entry(p, '10.50'), entry(p, '-2.0000', { kind: 'clawback', rule: 'clawback' })]));
    const chain = await db.query<{ seq: number; record_type: string; record_id: number; prev_hash: string; hash: string }>(
      'SELECT seq, record_type, record_id, prev_hash, hash FROM ledger_chain WHERE partner_id = $1 ORDER BY seq',
      [p],
    );
    expect(chain.map((c) => [Number(c.seq), c.record_type, Number(c.record_id)])).toEqual([
      [1, 'ledger_entry', a.id],
      [2, 'ledger_entry', b.id],
    ]);
    expect(chain[0].prev_hash).toBe(GENESIS);
    expect(chain[1].prev_hash).toBe(chain[0].hash);
    const bundle = await ledgerBundle(db, p);
    // The hash is SHA-256 of the canonical JSON of {partner_id, prev, record, seq}.
    expect(recordHash(p, 1, GENESIS, bundle.records[0].record)).toBe(chain[0].hash);
    expect(bundle.records[1].record).toMatchObject({ amount: '-2', kind: 'clawback' });
    expect(canonical({ b: 1, a: [1.5, 'x'] })).toBe('{"a":[1.5,"x"],"b":1}');
    expect(verifyBundle(bundle)).toMatchObject({ ok: true, records: 2, head: { seq: 2, hash: chain[1].hash } });
  });

  it('chains status moves, attribution and reassignment away with its reason; honest corrections verify', async () => {
    const a = await partner('Owner A');
    const b = await partner('Owner B');
    await customer('CH-C1');
    await db.transaction((tx) => insertFirstOwners(tx, [{ customerId: 'CH-C1', from: '2026-01-01T00:00:00.000Z', claim: { partnerId: a, source: 'partner_code' }, selfReferral: null, createdBy: 'test' }]));
    const [held] = await db.transaction((tx) => append(tx, [entry(a, '7', { status: 'pending', hold_reason: 'kyc_pending', customer_id: 'CH-C1' })]));
    await db.transaction((tx) => transition(tx, [held.id], 'approved', 'hold released', ['pending']));
    const [wrong] = await db.transaction((tx) => append(tx, [entry(a, '3', { customer_id: 'CH-C1' })]));
    await db.transaction((tx) => append(tx, [entry(a, '-3', { kind: 'reversal', rule: 'reversal', corrects: wrong.id, status: 'reversed', customer_id: 'CH-C1' })]));
    await db.transaction((tx) =>
      reassignCustomer(tx, { customerId: 'CH-C1', partnerId: b, effectiveFrom: '2026-02-01T00:00:00.000Z', reason: 'client asked to move to B', by: 'admin', policy: { clickWindowDays: 30, guaranteedDays: 0 } }),
    );
    const result = await verify(a);
    expect(result).toMatchObject({ ok: true, errors: [] });
    expect(result.reassignments).toEqual([{ seq: expect.any(Number), customer_id: 'CH-C1', to_partner_id: b, from: '2026-02-01T00:00:00.000Z', reason: 'client asked to move to B' }]);
    const types = (await ledgerBundle(db, a)).records.map((r) => r.type);
    expect(types).toEqual(['attribution', 'ledger_entry', 'ledger_status', 'ledger_entry', 'ledger_entry', 'attribution_superseded', 'attribution']);
    expect(await verify(b)).toMatchObject({ ok: true });
  });
});

describe('tampering in the database is found at the record where the chain breaks', () => {
  async function history() {
    const p = await partner('Victim');
    const rows = await db.transaction((tx) => append(tx, ['10', '20', '30', '40'].map((amount) => entry(p, amount))));
    await db.transaction((tx) => issueCheckpoints(tx, [{ partnerId: p, reason: 'manual' }]));
    return { p, ids: rows.map((r) => r.id) };
  }

  it('an edited amount', async () => {
    const { p, ids } = await history();
    await tamper('UPDATE ledger_entries SET amount = 2 WHERE id = $1', [ids[1]]);
    const result = await verify(p);
    expect(result.ok).toBe(false);
    expect(result.first_broken).toBe(2);
    expect(result.errors[0]).toMatchObject({ code: 'record_changed', seq: 2 });
  });

  it('a deleted entry (its chain record left behind, or removed too)', async () => {
    const { p, ids } = await history();
    await tamper('DELETE FROM ledger_entries WHERE id = $1', [ids[2]]);
    expect(await verify(p)).toMatchObject({ ok: false, first_broken: 3, errors: [expect.objectContaining({ code: 'record_missing' })] });
    await tamper('DELETE FROM ledger_chain WHERE partner_id = $1 AND seq = 3', [p], 'ledger_chain', 'ledger_chain_append_only');
    expect(await verify(p)).toMatchObject({ ok: false, first_broken: 3, errors: expect.arrayContaining([expect.objectContaining({ code: 'sequence_gap', seq: 3 })]) });
  });

  it('a back-dated entry inserted behind the chain, or the chain rewritten around it', async () => {
    const { p } = await history();
    await tamper(
      `INSERT INTO ledger_entries (partner_id, currency, amount, kind, source_type, source_key, rule, fact_date, explanation, initial_status)
       VALUES ($1, 'USD', -25, 'adjustment', 'manual', 'fee', 'adjustment', '2026-01-15', '{}', 'approved')`,
      [p],
    );
    expect(await verify(p)).toMatchObject({ ok: false, errors: [expect.objectContaining({ code: 'unchained_record' })] });
  });

  it('a whole chain recomputed by the operator no longer matches the checkpoint the partner holds', async () => {
    const { p, ids } = await history();
    const saved = (await ledgerBundle(db, p)).checkpoints;
    await tamper('UPDATE ledger_entries SET amount = 1 WHERE id = $1', [ids[0]]);
    // The operator rewrites every hash from the first record on and drops the old checkpoints from the export.
    const bundle = await ledgerBundle(db, p);
    let prev = GENESIS;
    for (const r of bundle.records) {
      r.prev = prev;
      r.hash = recordHash(p, r.seq, prev, r.record);
      prev = r.hash;
    }
    bundle.head = { seq: bundle.records.length, hash: prev };
    bundle.checkpoints = [];
    expect(verifyBundle(bundle).ok).toBe(true);
    const result = verifyBundle(bundle, { saved, keys: bundle.keys });
    expect(result).toMatchObject({ ok: false, first_broken: 4, errors: [expect.objectContaining({ code: 'checkpoint_mismatch' })] });
  });

  it("a customer moved to another partner without a reassignment", async () => {
    const a = await partner('Shaved');
    const b = await partner('Favoured');
    await customer('CH-SHAVE');
    await db.transaction((tx) => append(tx, [entry(a, '5')]));
    const [own] = await db.transaction((tx) =>
      insertFirstOwners(tx, [{ customerId: 'CH-SHAVE', from: '2026-01-01T00:00:00.000Z', claim: { partnerId: a, source: 'partner_code' }, selfReferral: null, createdBy: 'test' }]),
    );
    await db.query('UPDATE attributions SET partner_id = $2 WHERE attribution_id = $1', [own.attribution_id, b]);
    expect(await verify(a)).toMatchObject({ ok: false, first_broken: 2, errors: expect.arrayContaining([expect.objectContaining({ code: 'record_changed', seq: 2 })]) });
    expect(await verify(b)).toMatchObject({ ok: false, errors: [expect.objectContaining({ code: 'unchained_record' })] });
  });
});

describe('history from before the chains', () => {
  it('is chained once, per partner in the documented order, and then verifies', async () => {
    const old = await partner('Old timer');
    await customer('CH-OLD');
    // Rows as an earlier version wrote them: no chain records.
    await db.query(
      `INSERT INTO attributions (customer_id, partner_id, effective_from, source, created_at) VALUES ('CH-OLD', $1, '2025-01-01T00:00:00Z', 'partner_code', '2025-01-01T00:00:00Z')`,
      [old],
    );
    const [e1] = await db.query<{ id: number }>(
      `INSERT INTO ledger_entries (partner_id, currency, amount, kind, source_type, source_key, rule, fact_date, explanation, initial_status, created_at)
       VALUES ($1, 'USD', 12.5, 'cpa', 'customer', 'CH-OLD', 'cpa', '2025-01-02', '{"ftd":"100.00"}', 'pending', '2025-01-02T00:00:00Z') RETURNING id`,
      [old],
    );
    await db.query(`INSERT INTO ledger_status_log (entry_id, from_status, to_status, reason, changed_by, changed_at) VALUES ($1, 'pending', 'approved', 'kyc approved', 'engine', '2025-01-03T00:00:00Z')`, [e1.id]);
    expect((await verify(old)).ok).toBe(false);
    expect(await chainExistingHistory(db)).toBeGreaterThanOrEqual(3);
    const bundle = await ledgerBundle(db, old);
    expect(bundle.records.map((r) => r.type)).toEqual(['attribution', 'ledger_entry', 'ledger_status']);
    expect(verifyBundle(bundle)).toMatchObject({ ok: true });
    // Once: a second call changes nothing.
    expect(await chainExistingHistory(db)).toBe(0);
  });
});

describe('openib verify and the standalone script', () => {
  const run = promisify(execFile);
  const dir = mkdtempSync(join(tmpdir(), 'openib-verify-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** Exit code and output of a command that may fail. */
  const exec = (file: string, args: string[]) =>
    run(file, args).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
  const script = new URL('../../tools/openib-verify.mjs', import.meta.url).pathname;
  const bin = new URL('../../bin/openib', import.meta.url).pathname;

  it('answer OK for an honest export and name the first broken record of a tampered one', async () => {
    const p = await partner('Cli');
    const rows = await db.transaction((tx) => append(tx, ['1', '2', '3'].map((amount) => entry(p, amount))));
    await db.transaction((tx) => issueCheckpoints(tx, [{ partnerId: p, reason: 'manual' }]));
    const honest = join(dir, 'honest.json');
    writeFileSync(honest, JSON.stringify(await ledgerBundle(db, p)));
    const saved = join(dir, 'saved.json');
    writeFileSync(saved, JSON.stringify({ data: (await ledgerBundle(db, p)).checkpoints }));
    await tamper('UPDATE ledger_entries SET amount = 30 WHERE id = $1', [rows[2].id]);
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, JSON.stringify(await ledgerBundle(db, p)));

    const ok = await exec(process.execPath, [script, '--bundle', honest, '--checkpoints', saved]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('OK: signatures valid, chain unbroken');
    const bad = await exec(process.execPath, [script, '--bundle', tampered, '--checkpoints', saved]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('first broken record: 3');
    const viaCli = await exec(bin, ['verify', '--bundle', tampered, '--checkpoints', saved, '--json']);
    expect(viaCli.code).toBe(1);
    expect(JSON.parse(viaCli.out)).toMatchObject({ ok: false, first_broken: 3 });
    expect((await exec(bin, ['verify', '--bundle', honest])).code).toBe(0);
  });
});

describe('daily checkpoints', () => {
  it('sign each chain that grew since its last checkpoint, at most once a day, and announce them', async () => {
    const p = await partner('Daily');
    await db.transaction((tx) => append(tx, [entry(p, '4')]));
    await db.transaction((tx) => issueDailyCheckpoints(tx));
    const mine = async () => (await ledgerBundle(db, p)).checkpoints.filter((c) => c.reason === 'daily');
    expect(await mine()).toEqual([expect.objectContaining({ seq: 1, partner_id: p })]);
    await db.transaction((tx) => append(tx, [entry(p, '5')]));
    await db.transaction((tx) => issueDailyCheckpoints(tx));
    expect(await mine()).toHaveLength(1);
    const events = await db.query<{ data: { partner_id: string; reason: string } }>(`SELECT data FROM events WHERE type = 'ledger.checkpoint' AND subject_id = $1`, [p]);
    expect(events.map((e) => e.data.reason)).toEqual(['daily']);
  });
});
