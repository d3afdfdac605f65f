import { createHash } from 'node:crypto';
import type { Sql } from '../db/index.ts';
import { appendEvents, type NewEvent } from '../events/outbox.ts';
import { queueCells } from '../commissions/engine/dirty.ts';
import { addDays, businessDate } from '../shared/dates.ts';
import { Dec } from '../shared/decimal.ts';
import { AppError, conflict, notFound } from '../shared/errors.ts';
import { ANY_PROGRAMME, type RiskRules, rulesInForce } from './rules.ts';
import { computeSignals, type Finding } from './signals.ts';

export type CaseStatus = 'open' | 'confirmed' | 'dismissed';

export interface RiskCase {
  case_id: string;
  subject_type: 'customer' | 'partner';
  subject_id: string;
  partner_id: string | null;
  status: CaseStatus;
  score: number;
  signals: Omit<Finding, 'subject_type' | 'subject_id' | 'excluded_deals' | 'key'>[];
  excluded_deals: string[];
  consequences: RiskRules['consequences'];
  programme: string;
  rule_version: number;
  date_from: string;
  date_to: string;
  opened_at: string;
  closed_at: string | null;
  closed_by: string | null;
  decision_note: string | null;
}

/** A case a scan would open (or update): the subject, its score and the signals behind it. */
export interface Candidate {
  subject_type: 'customer' | 'partner';
  subject_id: string;
  partner_id: string | null;
  score: number;
  findings: Finding[];
  programme: string;
  rule_version: number;
  rules: RiskRules;
  date_from: string;
  date_to: string;
  fingerprint: string;
}

const CASE_COLUMNS = `case_id::text AS case_id, subject_type, subject_id, partner_id, status, score, signals, excluded_deals, consequences, programme, rule_version,
  date_from::text AS date_from, date_to::text AS date_to, opened_at::text AS opened_at, closed_at::text AS closed_at, closed_by, decision_note`;

/** Who owns each customer now, and each partner's programme (its plan today). */
async function subjectsOf(db: Sql, findings: Finding[], today: string) {
  const customers = [...new Set(findings.filter((f) => f.subject_type === 'customer').map((f) => f.subject_id))];
  const owners = new Map(
    (
      await db.query<{ customer_id: string; partner_id: string }>(
        'SELECT customer_id, partner_id FROM attributions WHERE customer_id = ANY($1::text[]) AND superseded_at IS NULL AND effective_to IS NULL',
        [customers],
      )
    ).map((r) => [r.customer_id, r.partner_id]),
  );
  const partners = [...new Set([...owners.values(), ...findings.filter((f) => f.subject_type === 'partner').map((f) => f.subject_id)])];
  const plans = new Map(
    (
      await db.query<{ partner_id: string; plan_id: string }>(
        `SELECT DISTINCT ON (partner_id) partner_id, plan_id FROM partner_plans
         WHERE partner_id = ANY($1::text[]) AND effective_from <= $2::date AND (effective_to IS NULL OR effective_to > $2::date)
         ORDER BY partner_id, effective_from DESC`,
        [partners, today],
      )
    ).map((r) => [r.partner_id, r.plan_id]),
  );
  return { owners, plans };
}

/**
 * The cases the rules in force (or `override`, for one programme, in a simulation) find at `now`:
 * every signal over each programme's look-back window, grouped per customer and per partner,
 * scored (the signals' scores added, at most 100) and kept when the score reaches the threshold.
 */
export async function findCandidates(db: Sql, opts: { now: string; timeZone: string; override?: { programme: string; definition: RiskRules } }): Promise<Candidate[]> {
  const inForce = await rulesInForce(db);
  if (opts.override) inForce.set(opts.override.programme, { programme: opts.override.programme, version: 0, definition: opts.override.definition, created_by: 'simulation', created_at: opts.now });
  const today = businessDate(opts.now, opts.timeZone);
  const all: { programme: string; finding: Finding }[] = [];
  for (const [programme, version] of inForce) {
    const since = new Date(Date.parse(opts.now) - version.definition.lookback_days * 86_400_000).toISOString();
    for (const finding of await computeSignals(db, version.definition, { since, now: opts.now })) all.push({ programme, finding });
  }
  const { owners, plans } = await subjectsOf(db, all.map((a) => a.finding), today);
  const programmeOf = (f: Finding) => {
    const partner = f.subject_type === 'partner' ? f.subject_id : owners.get(f.subject_id);
    const plan = partner ? plans.get(partner) : undefined;
    return plan && inForce.has(plan) ? plan : ANY_PROGRAMME;
  };
  const grouped = new Map<string, Finding[]>();
  for (const { programme, finding } of all) {
    if (programmeOf(finding) !== programme) continue;
    const key = `${finding.subject_type}|${finding.subject_id}`;
    grouped.set(key, [...(grouped.get(key) ?? []), finding]);
  }
  const out: Candidate[] = [];
  for (const findings of grouped.values()) {
    const first = findings[0];
    const programme = programmeOf(first);
    if (opts.override && programme !== opts.override.programme) continue;
    const version = inForce.get(programme)!;
    const score = Math.min(100, findings.reduce((s, f) => s + f.score, 0));
    if (score < version.definition.open_threshold) continue;
    findings.sort((a, b) => b.score - a.score || (a.signal < b.signal ? -1 : 1));
    const evidenceIds = findings.flatMap((f) => [f.signal, ...(f.excluded_deals ?? []), ...(f.evidence.accounts ?? []).map((a) => a.customer_id), ...(f.key ?? [f.date_from])]).sort();
    out.push({
      subject_type: first.subject_type,
      subject_id: first.subject_id,
      partner_id: first.subject_type === 'partner' ? first.subject_id : (owners.get(first.subject_id) ?? null),
      score,
      findings,
      programme,
      rule_version: version.version,
      rules: version.definition,
      date_from: findings.reduce((m, f) => (f.date_from < m ? f.date_from : m), first.date_from),
      date_to: findings.reduce((m, f) => (f.date_to > m ? f.date_to : m), first.date_to),
      fingerprint: createHash('sha256').update(evidenceIds.join('\u0001')).digest('hex').slice(0, 32),
    });
  }
  return out.sort((a, b) => b.score - a.score || (a.subject_id < b.subject_id ? -1 : 1));
}

const signalsOf = (c: Candidate) => c.findings.map(({ subject_type: _t, subject_id: _s, excluded_deals: _d, key: _k, ...rest }) => rest);
const eventData = (c: Pick<RiskCase, 'case_id' | 'subject_type' | 'subject_id' | 'partner_id' | 'status' | 'score'>, signals: string[], extra: Record<string, unknown> = {}) => ({
  case_id: c.case_id,
  subject_type: c.subject_type,
  subject_id: c.subject_id,
  partner_id: c.partner_id,
  status: c.status,
  score: c.score,
  signals,
  ...extra,
});

export interface ScanResult {
  opened: RiskCase[];
  updated: number;
  unchanged: number;
}

/**
 * Opens a case for each new candidate, updates the open case of a subject whose evidence grew,
 * and leaves alone a candidate whose evidence a closed case already decided. Opening or widening
 * a customer's case queues its days for the commission engine, which holds them (see overlay.ts).
 */
export async function scan(tx: Sql, opts: { now: string; timeZone: string }): Promise<ScanResult> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('openib.risk_scan'))`);
  const candidates = await findCandidates(tx, opts);
  const today = businessDate(opts.now, opts.timeZone);
  const result: ScanResult = { opened: [], updated: 0, unchanged: 0 };
  const events: NewEvent[] = [];
  const cells: { customer_id: string; from: string; to: string }[] = [];
  for (const c of candidates) {
    const [existing] = await tx.query<{ case_id: string; status: CaseStatus; fingerprint: string; date_from: string }>(
      `SELECT case_id::text AS case_id, status, fingerprint, date_from::text AS date_from FROM risk_cases
       WHERE subject_type = $1 AND subject_id = $2 AND (status = 'open' OR fingerprint = $3) ORDER BY status = 'open' DESC LIMIT 1`,
      [c.subject_type, c.subject_id, c.fingerprint],
    );
    const deals = [...new Set(c.findings.flatMap((f) => f.excluded_deals ?? []))];
    if (existing && existing.fingerprint === c.fingerprint) {
      result.unchanged++;
      continue;
    }
    if (existing?.status === 'open') {
      await tx.query(
        `UPDATE risk_cases SET score = $2, signals = $3::jsonb, excluded_deals = $4::text[], fingerprint = $5, date_from = least(date_from, $6::date), date_to = greatest(date_to, $7::date),
           consequences = $8::jsonb, programme = $9, rule_version = $10, partner_id = $11 WHERE case_id = $1::bigint`,
        [existing.case_id, c.score, JSON.stringify(signalsOf(c)), deals, c.fingerprint, c.date_from, c.date_to, JSON.stringify(c.rules.consequences), c.programme, c.rule_version, c.partner_id],
      );
      result.updated++;
      if (c.subject_type === 'customer') cells.push({ customer_id: c.subject_id, from: c.date_from < existing.date_from ? c.date_from : existing.date_from, to: today });
      continue;
    }
    const [row] = await tx.query<RiskCase>(
      `INSERT INTO risk_cases (subject_type, subject_id, partner_id, score, signals, excluded_deals, consequences, programme, rule_version, fingerprint, date_from, date_to, opened_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::text[], $7::jsonb, $8, $9, $10, $11::date, $12::date, $13::timestamptz) RETURNING ${CASE_COLUMNS}`,
      [c.subject_type, c.subject_id, c.partner_id, c.score, JSON.stringify(signalsOf(c)), deals, JSON.stringify(c.rules.consequences), c.programme, c.rule_version, c.fingerprint, c.date_from, c.date_to, opts.now],
    );
    result.opened.push(row);
    events.push({ type: 'risk.case_opened', subjectType: 'risk_case', subjectId: row.case_id, data: eventData(row, c.findings.map((f) => f.signal), { date_from: row.date_from, date_to: row.date_to }) });
    if (c.subject_type === 'customer') cells.push({ customer_id: c.subject_id, from: c.date_from, to: today });
  }
  await appendEvents(tx, events);
  await queueCells(tx, cells);
  return result;
}

export interface CaseFilter {
  status?: CaseStatus;
  subject_type?: 'customer' | 'partner';
  partner_id?: string;
  subject_id?: string;
  limit?: number;
}

export function listCases(db: Sql, f: CaseFilter): Promise<RiskCase[]> {
  return db.query<RiskCase>(
    `SELECT ${CASE_COLUMNS} FROM risk_cases
     WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR subject_type = $2) AND ($3::text IS NULL OR partner_id = $3) AND ($4::text IS NULL OR subject_id = $4)
     ORDER BY (status = 'open') DESC, score DESC, case_id DESC LIMIT $5`,
    [f.status ?? null, f.subject_type ?? null, f.partner_id ?? null, f.subject_id ?? null, f.limit ?? 200],
  );
}

export async function getCase(db: Sql, caseId: string): Promise<RiskCase | undefined> {
  if (!/^\d{1,18}$/.test(caseId)) return undefined;
  const [row] = await db.query<RiskCase>(`SELECT ${CASE_COLUMNS} FROM risk_cases WHERE case_id = $1::bigint`, [caseId]);
  return row;
}

/**
 * Closes an open case: confirmed (the consequences configured on confirmation apply) or dismissed
 * (everything held is released as if no rule had fired). The customer's days are queued so the
 * commission engine writes the outcome through the ledger's normal corrections.
 */
export async function decideCase(tx: Sql, caseId: string, decision: 'confirmed' | 'dismissed', by: { actor: string; note?: string; now: string; timeZone: string }): Promise<{ before: RiskCase; after: RiskCase }> {
  const before = await getCase(tx, caseId);
  if (!before) throw notFound('Risk case');
  await tx.query('SELECT 1 FROM risk_cases WHERE case_id = $1::bigint FOR UPDATE', [caseId]);
  const [current] = await tx.query<{ status: CaseStatus }>('SELECT status FROM risk_cases WHERE case_id = $1::bigint', [caseId]);
  if (current.status !== 'open') throw conflict('case_closed', `Risk case ${caseId} was already ${current.status}; a closed case is not decided again.`);
  const [after] = await tx.query<RiskCase>(
    `UPDATE risk_cases SET status = $2, closed_at = $3::timestamptz, closed_by = $4, decision_note = $5 WHERE case_id = $1::bigint RETURNING ${CASE_COLUMNS}`,
    [caseId, decision, by.now, by.actor, by.note ?? null],
  );
  await appendEvents(tx, [
    { type: 'risk.case_closed', subjectType: 'risk_case', subjectId: caseId, data: eventData(after, after.signals.map((s) => s.signal), { decision, closed_by: by.actor }) },
  ]);
  if (after.subject_type === 'customer') await queueCells(tx, [{ customer_id: after.subject_id, from: after.date_from, to: businessDate(by.now, by.timeZone) }]);
  return { before, after };
}

export interface Simulation {
  as_of: string;
  cases: (Omit<Candidate, 'rules' | 'findings' | 'fingerprint'> & { signals: ReturnType<typeof signalsOf>; held: { currency: string; amount: string }[] })[];
  held: { currency: string; amount: string }[];
}

/**
 * What a rule set would have done at `as_of` on the data stored now: the cases it would open
 * (already decided ones included) and the commissions it would hold — every ledger amount of the
 * cases' customers from each case's first day, per currency. Nothing is written.
 */
export async function simulate(db: Sql, programme: string, definition: RiskRules, opts: { now: string; timeZone: string }): Promise<Simulation> {
  const candidates = await findCandidates(db, { ...opts, override: { programme, definition } });
  const customers = candidates.filter((c) => c.subject_type === 'customer');
  const amounts = customers.length
    ? await db.query<{ customer_id: string; currency: string; amount: string }>(
        `SELECT e.customer_id, e.currency::text AS currency, sum(e.amount)::text AS amount
         FROM unnest($1::text[], $2::date[]) AS c(customer_id, date_from)
         JOIN ledger_entries e ON e.customer_id = c.customer_id AND e.fact_date >= c.date_from AND e.source_type IN ('activity', 'customer')
         GROUP BY e.customer_id, e.currency`,
        [customers.map((c) => c.subject_id), customers.map((c) => c.date_from)],
      )
    : [];
  const totals = new Map<string, Dec>();
  for (const a of amounts) totals.set(a.currency, (totals.get(a.currency) ?? new Dec(0)).plus(a.amount));
  return {
    as_of: opts.now,
    cases: candidates.map(({ rules: _r, findings: _f, fingerprint: _p, ...c }) => ({
      ...c,
      signals: signalsOf({ ...c, rules: _r, findings: _f, fingerprint: _p }),
      held: amounts.filter((a) => c.subject_type === 'customer' && a.customer_id === c.subject_id).map((a) => ({ currency: a.currency, amount: new Dec(a.amount).toFixed() })),
    })),
    held: [...totals].map(([currency, amount]) => ({ currency, amount: amount.toFixed() })).sort((a, b) => (a.currency < b.currency ? -1 : 1)),
  };
}

/** Rejects an as_of in the future or unreadable. */
export function asOfInstant(asOf: string | undefined, now: string): string {
  if (asOf === undefined) return now;
  const t = Date.parse(asOf.length === 10 ? `${addDays(asOf, 1)}T00:00:00Z` : asOf);
  if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}/.test(asOf)) throw new AppError(422, 'invalid_as_of', 'as_of must be a date (YYYY-MM-DD) or an ISO 8601 instant.');
  if (t > Date.parse(now) + 86_400_000) throw new AppError(422, 'invalid_as_of', 'as_of must not be in the future.');
  return new Date(t).toISOString();
}
