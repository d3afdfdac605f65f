import { recordAudit } from '../audit/record.ts';
import { issueCheckpoints } from '../ledger/checkpoints.ts';
import type { Sql } from '../db/index.ts';
import { AppError } from '../shared/errors.ts';
import { queueEmail } from '../compliance/email/outbox.ts';
import { payoutGates } from '../compliance/gates.ts';
import { roundMoney } from '../commissions/maths/money.ts';
import { payoutBlocks, withheldByRiskCases } from '../risk/overlay.ts';
import { type PayableEntry, payability, statementFigures } from './lines.ts';
import { daysBefore, type Period } from './periods.ts';
import type { PayoutSettings } from './settings.ts';

export interface RunInput {
  period: Period;
  /** Business date the hold period is measured from (today in the broker time zone unless given). */
  asOf: string;
  actor: string;
  ip?: string;
  /** Base URL of the unsubscribe links in the partners' "statement ready" emails. */
  publicUrl?: string;
}

/** Monthly runs wait for the commission month to be closed; weekly and daily runs for the period to have ended. */
async function assertPeriodReady(tx: Sql, p: Period, today: string): Promise<void> {
  if (p.kind === 'monthly') {
    const [closed] = await tx.query('SELECT 1 FROM commission_periods WHERE period = $1', [p.period]);
    if (!closed) throw new AppError(409, 'period_open', `Commission month ${p.period} is not closed yet; close it with POST /api/v1/periods/${p.period}/close first.`);
    return;
  }
  if (p.end >= today) throw new AppError(409, 'period_open', `Period ${p.period} ends on ${p.end}; a payout run for it can start from the next day.`);
}

/**
 * A second run for a period that already has one, with nothing left to pay, would only be an empty
 * duplicate: refused, pointing at the run to review instead. (A repeat run that finds payable entries,
 * e.g. after statements were rejected, is allowed.)
 */
async function refuseEmptyRepeat(tx: Sql, period: string): Promise<void> {
  const [existing] = await tx.query<{ run_id: string; created_at: string }>(
    'SELECT run_id, created_at FROM payout_runs WHERE period = $1 ORDER BY created_at DESC LIMIT 1',
    [period],
  );
  if (!existing) return;
  throw new AppError(
    409,
    'payout_run_exists',
    `A payout run for ${period} already exists (run ${existing.run_id}) and no approved, unpaid entries are left for a new one. Review that run's statements instead.`,
    [{ field: 'period', reason: 'already has a payout run, with nothing left to pay' }],
  );
}

/**
 * Drafts a payout run: approved entries dated up to the period's end that are not paid and not on
 * a live statement, older than the hold period (negative entries such as clawbacks ignore the hold),
 * become one statement per partner and currency. Statements below the minimum or negative are
 * recorded as carried and their entries stay in the pool for the next run.
 */
export async function createRun(tx: Sql, settings: PayoutSettings, input: RunInput, today: string): Promise<string> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('openib.payout_runs'))`);
  await assertPeriodReady(tx, input.period, today);
  const holdUntil = daysBefore(input.asOf, settings.holdDays);
  const pool = await tx.query<PayableEntry>(
    `SELECT e.id, e.partner_id, e.currency::text AS currency, e.amount, e.kind, e.level, e.customer_id, e.instrument, e.fact_date::text AS fact_date
     FROM ledger_entries e LEFT JOIN ledger_entry_status s ON s.entry_id = e.id
     WHERE coalesce(s.status, e.initial_status) = 'approved' AND e.fact_date <= $1::date AND (e.amount < 0 OR e.fact_date <= $2::date)
       AND NOT EXISTS (SELECT 1 FROM payout_statement_entries pe WHERE pe.entry_id = e.id AND NOT pe.released)
     ORDER BY e.id`,
    [input.period.end, holdUntil],
  );
  // Uplines' positive pay from a client under an open risk case waits too (the client's own partner
  // is blocked whole, below): it stays approved in the pool until the case is decided.
  const withheld = await withheldByRiskCases(tx, pool);
  const entries = withheld.size ? pool.filter((e) => !withheld.has(e.id)) : pool;
  if (entries.length === 0) await refuseEmptyRepeat(tx, input.period.period);
  const [run] = await tx.query<{ run_id: string }>(
    `INSERT INTO payout_runs (period, period_start, period_end, as_of, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING run_id`,
    [input.period.period, input.period.start, input.period.end, input.asOf, input.actor],
  );
  const byStatement = new Map<string, PayableEntry[]>();
  for (const e of entries) {
    const key = `${e.partner_id}\u0001${e.currency}`;
    byStatement.set(key, [...(byStatement.get(key) ?? []), e]);
  }
  // Payout gates of each partner's programme (docs/compliance.md): a statement that would be paid is
  // carried instead, with the reason, while verification, current terms or a tax form is missing;
  // its entries stay in the pool, so the next run after the partner completes them pays it.
  // A positive balance also waits while a risk case on the partner is open (docs/risk.md); a
  // negative one carries as it would anyway.
  const partners = [...new Set(entries.map((e) => e.partner_id))];
  const gates = await payoutGates(tx, partners);
  const blocks = await payoutBlocks(tx, partners);
  const statements = [...byStatement.values()].map((list) => {
    const { partner_id, currency } = list[0];
    const figures = statementFigures(list, currency, input.period.start);
    const gate = gates.get(partner_id);
    let pay = payability(figures.rounded_total, currency, settings.minimums[currency]);
    const hold = pay.status === 'draft' && gate?.hold ? gate.hold : null;
    const blocked = pay.status === 'draft' && !hold ? blocks.get(partner_id) : undefined;
    const carryReason = hold ?? blocked;
    if (carryReason) pay = { status: 'carried', amount_payable: roundMoney('0', currency), carried_forward: figures.rounded_total, carry_reason: carryReason };
    return { partner_id, currency, ids: list.map((e) => e.id), figures, pay, hold, termsVersion: gate?.termsVersion ?? null };
  });
  if (statements.length) {
    const col = <T>(f: (s: (typeof statements)[number]) => T) => statements.map(f);
    const rows = await tx.query<{ statement_id: string; partner_id: string; currency: string; status: string }>(
      `INSERT INTO payout_statements (run_id, period, partner_id, currency, status, opening_balance, period_amount, ledger_total, rounded_total,
                                      rounding_difference, amount_payable, carried_forward, carry_reason, lines, compliance_hold, terms_version)
       SELECT $1, $2, t.* FROM unnest($3::text[], $4::text[], $5::text[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[],
                                      $10::numeric[], $11::numeric[], $12::numeric[], $13::text[], $14::jsonb[], $15::text[], $16::int[]) AS t
       RETURNING statement_id, partner_id, currency::text AS currency, status`,
      [
        run.run_id, input.period.period,
        col((s) => s.partner_id), col((s) => s.currency), col((s) => s.pay.status),
        col((s) => s.figures.opening_balance), col((s) => s.figures.period_amount), col((s) => s.figures.ledger_total),
        col((s) => s.figures.rounded_total), col((s) => s.figures.rounding_difference), col((s) => s.pay.amount_payable),
        col((s) => s.pay.carried_forward), col((s) => s.pay.carry_reason), col((s) => JSON.stringify(s.figures.lines)),
        col((s) => s.hold), col((s) => s.termsVersion),
      ],
    );
    const idOf = new Map(rows.map((r) => [`${r.partner_id}\u0001${r.currency}`, r]));
    const links = statements.flatMap((s) => {
      const row = idOf.get(`${s.partner_id}\u0001${s.currency}`)!;
      return s.ids.map((id) => ({ statement_id: row.statement_id, entry_id: id, released: row.status === 'carried' }));
    });
    await tx.query(
      `INSERT INTO payout_statement_entries (statement_id, entry_id, released) SELECT * FROM unnest($1::text[], $2::bigint[], $3::boolean[])`,
      [links.map((l) => l.statement_id), links.map((l) => l.entry_id), links.map((l) => l.released)],
    );
    // Each statement comes with the broker's signature over the partner's chain as it stands, naming the statement's entries and total.
    await issueCheckpoints(
      tx,
      statements.map((s) => {
        const row = idOf.get(`${s.partner_id}\u0001${s.currency}`)!;
        return {
          partnerId: s.partner_id,
          reason: 'statement' as const,
          statement: { statement_id: row.statement_id, period: input.period.period, currency: s.currency, ledger_total: s.figures.ledger_total, entry_ids: s.ids },
        };
      }),
    );
  }
  if (input.publicUrl)
    for (const s of statements)
      if (s.pay.status === 'draft' || s.hold)
        await queueEmail(tx, input.publicUrl, s.partner_id, 'statement_ready', {
          period: input.period.period, amount: s.hold ? s.figures.rounded_total : s.pay.amount_payable, currency: s.currency, hold: s.hold ?? '',
        });
  await recordAudit(tx, {
    actor: input.actor,
    action: 'payout_run.create',
    subject: { type: 'payout_run', id: run.run_id },
    after: { period: input.period.period, as_of: input.asOf, statements: statements.length, entries: entries.length, held_for_compliance: statements.filter((s) => s.hold).length },
    ip: input.ip,
  });
  return run.run_id;
}
