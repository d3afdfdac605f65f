import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../../test/helpers/database.ts';
import { verifyBundle } from '../../tools/openib-verify.mjs';
import type { Database } from '../db/index.ts';
import { createPartner } from '../partners/partners.ts';
import { reassignCustomer } from '../partners/attribution/reassign.ts';
import { insertFirstOwners } from '../partners/attribution/store.ts';
import { issueCheckpoints } from './checkpoints.ts';
import { type LedgerBundle, ledgerBundle } from './export.ts';
import { append, type LedgerStatus, transition } from './write.ts';

let db: Database;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await migratedDatabase());
});
afterAll(() => close?.());

/** Honest operations on two partners: entries (commission, reversal, clawback), status moves, attribution and reassignment with a reason. */
type Op =
  | { kind: 'entry'; to: 0 | 1; cents: number; status: 'pending' | 'approved' }
  | { kind: 'correct'; which: number }
  | { kind: 'move'; which: number; to: LedgerStatus }
  | { kind: 'customer'; to: 0 | 1 }
  | { kind: 'reassign'; which: number; to: 0 | 1; reason: string }
  | { kind: 'checkpoint' };

const side = fc.constantFrom(0 as const, 1 as const);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('entry' as const), to: side, cents: fc.integer({ min: -50_000, max: 500_000 }), status: fc.constantFrom('pending' as const, 'approved' as const) }),
  fc.record({ kind: fc.constant('correct' as const), which: fc.nat(30) }),
  fc.record({ kind: fc.constant('move' as const), which: fc.nat(30), to: fc.constantFrom<LedgerStatus>('approved', 'paid', 'reversed') }),
  fc.record({ kind: fc.constant('customer' as const), to: side }),
  fc.record({ kind: fc.constant('reassign' as const), which: fc.nat(10), to: side, reason: fc.string({ minLength: 1, maxLength: 40 }) }),
  fc.constant({ kind: 'checkpoint' as const }),
);

let run = 0;
async function play(ops: Op[]): Promise<string[]> {
  run++;
  const partners = await db.transaction(async (tx) => [
    (await createPartner(tx, { name: `Prop A${run}`, affiliateId: `PROP-A${run}`, maxLevels: 10 })).partner_id,
    (await createPartner(tx, { name: `Prop B${run}`, affiliateId: `PROP-B${run}`, maxLevels: 10 })).partner_id,
  ]);
  const entries: { id: number; partner: string; amount: string }[] = [];
  const customers: string[] = [];
  let day = 0;
  for (const o of ops) {
    await db.transaction(async (tx) => {
      if (o.kind === 'entry') {
        const amount = (o.cents / 10_000).toFixed(4);
        const [row] = await append(tx, [
          {
            source_type: 'activity', source_key: `p${run}|${entries.length}`, rule: 'per_lot', kind: 'per_lot', partner_id: partners[o.to], level: 0, currency: 'USD',
            amount, fact_date: '2026-03-02', status: o.status, explanation: { lots: (o.cents / 1000).toString(), rate: '0.1', note: 'prop ✓' },
          },
        ]);
        entries.push({ id: row.id, partner: partners[o.to], amount });
      } else if (o.kind === 'correct' && entries.length) {
        const e = entries[o.which % entries.length];
        await append(tx, [
          {
            source_type: 'activity', source_key: `p${run}|fix${e.id}`, rule: 'clawback', kind: 'clawback', partner_id: e.partner, level: 0, currency: 'USD',
            amount: e.amount.startsWith('-') ? e.amount.slice(1) : `-${e.amount}`, fact_date: '2026-03-03', corrects: e.id, status: 'approved', explanation: { corrects: e.id },
          },
        ]);
      } else if (o.kind === 'move' && entries.length) {
        const e = entries[o.which % entries.length];
        const from: LedgerStatus[] = o.to === 'approved' ? ['pending'] : o.to === 'paid' ? ['approved'] : ['pending', 'approved'];
        await transition(tx, [e.id], o.to, `moved to ${o.to}`, from);
      } else if (o.kind === 'customer') {
        const id = `PROP-${run}-${customers.length}`;
        await tx.query('INSERT INTO customers (customer_id, signup_date) VALUES ($1, $2)', [id, '2026-01-01T00:00:00Z']);
        await insertFirstOwners(tx, [{ customerId: id, from: '2026-01-01T00:00:00.000Z', claim: { partnerId: partners[o.to], source: 'partner_code' }, selfReferral: null, createdBy: 'test' }]);
        customers.push(id);
      } else if (o.kind === 'reassign' && customers.length) {
        day++;
        await reassignCustomer(tx, {
          customerId: customers[o.which % customers.length], partnerId: partners[o.to], effectiveFrom: new Date(Date.UTC(2026, 1, day)).toISOString(),
          reason: o.reason, by: 'admin', policy: { clickWindowDays: 30, guaranteedDays: 0 },
        });
      } else if (o.kind === 'checkpoint') await issueCheckpoints(tx, partners.map((partnerId) => ({ partnerId, reason: 'manual' as const })));
    });
  }
  return partners;
}

/** One change to one record of an export, as a database edit would show in it. */
type Change = { kind: 'edit'; at: number; field: number } | { kind: 'delete'; at: number } | { kind: 'insert'; at: number } | { kind: 'swap'; at: number };
const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('edit' as const), at: fc.nat(), field: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat() }),
);

function tamper(bundle: LedgerBundle, c: Change): { bundle: LedgerBundle; seq: number } | undefined {
  const b: LedgerBundle = structuredClone(bundle);
  const n = b.records.length;
  if (!n) return undefined;
  const i = c.at % n;
  const seq = b.records[i].seq;
  if (c.kind === 'edit') {
    const record = b.records[i].record as Record<string, unknown>;
    const fields = Object.keys(record).filter((k) => k !== 'type');
    const field = fields[c.field % fields.length];
    const old = record[field];
    record[field] = typeof old === 'number' ? old + 1 : typeof old === 'string' ? `${old}x` : old === null ? 'set' : { was: old };
  } else if (c.kind === 'delete') b.records.splice(i, 1);
  else if (c.kind === 'insert') b.records.splice(i, 0, { ...b.records[i], id: 999_999_999, record: { ...(b.records[i].record as object), id: 999_999_999 } });
  else {
    if (i + 1 >= n) return undefined;
    [b.records[i], b.records[i + 1]] = [b.records[i + 1], b.records[i]];
  }
  return { bundle: b, seq };
}

describe('the chain, over any sequence of honest operations', () => {
  it('verifies, and any single-record change fails at or before that record', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), fc.array(change, { minLength: 1, maxLength: 6 }), async (ops, changes) => {
        const partners = await play(ops);
        for (const partner of partners) {
          const bundle = await ledgerBundle(db, partner);
          const honest = verifyBundle(bundle);
          expect(honest.errors).toEqual([]);
          for (const c of changes) {
            const t = tamper(bundle, c);
            if (!t) continue;
            const result = verifyBundle(t.bundle, { saved: bundle.checkpoints });
            expect(result.ok, JSON.stringify(c)).toBe(false);
            expect(result.first_broken, JSON.stringify(c)).not.toBeNull();
            expect(result.first_broken!).toBeLessThanOrEqual(t.seq);
          }
        }
      }),
      { numRuns: Number(process.env.OPENIB_PROPERTY_RUNS ?? 15) },
    );
  }, 300_000);
});
