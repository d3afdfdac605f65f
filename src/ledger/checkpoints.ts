/**
 * Signed checkpoints: the broker's signature over the head of a partner's chain (its length and
 * last hash), issued with every payout statement, every payment and once a day, stored, and
 * announced as `ledger.checkpoint` (webhooks, partner postbacks). A partner that keeps them can
 * later prove its chain was only ever appended to (docs/verification.md).
 */
import type { Sql } from '../db/index.ts';
import type { Task } from '../worker/runner.ts';
import { appendEvents } from '../events/outbox.ts';
import { canonical, canonicalAmount, GENESIS } from './chain.ts';
import { ledgerSigner, registerPublicKey, signPayload } from './signing.ts';

export const CHECKPOINT_FORMAT = 'openib-checkpoint/1';

export interface StatementClaim {
  statement_id: string;
  period: string;
  currency: string;
  /**
   * Ignored on input: the checkpoint signs the exact sum of the entries (PostgreSQL NUMERIC), which
   * can differ from the statement's own full-precision figure in its last of many decimals.
   */
  ledger_total?: string;
  entry_ids: number[];
}

export interface CheckpointRequest {
  partnerId: string;
  reason: 'statement' | 'payout' | 'daily' | 'manual';
  statement?: StatementClaim;
}

export interface Checkpoint {
  checkpoint_id: number;
  partner_id: string;
  seq: number;
  head: string;
  reason: string;
  statement_id: string | null;
  issued_at: string;
  key_id: string;
  /** The signed document: canonical JSON, signed byte for byte. */
  payload: string;
  /** Ed25519 signature of payload (UTF-8), base64url. */
  signature: string;
}

const COLUMNS = 'checkpoint_id, partner_id, seq, head, reason, statement_id, issued_at, key_id, payload, signature';

const toCheckpoint = (r: Checkpoint): Checkpoint => ({ ...r, checkpoint_id: Number(r.checkpoint_id), seq: Number(r.seq) });

/** Signs each partner's current head and stores the checkpoints; returns them in the order asked. */
export async function issueCheckpoints(tx: Sql, requests: CheckpointRequest[]): Promise<Checkpoint[]> {
  if (!requests.length) return [];
  const signer = ledgerSigner();
  await registerPublicKey(tx, signer);
  const partners = [...new Set(requests.map((r) => r.partnerId))];
  const heads = new Map(
    (await tx.query<{ partner_id: string; seq: number; hash: string }>('SELECT partner_id, seq, hash FROM ledger_chain_heads WHERE partner_id = ANY($1::text[])', [partners])).map((h) => [
      h.partner_id,
      { seq: Number(h.seq), hash: h.hash },
    ]),
  );
  const [{ now }] = await tx.query<{ now: string }>('SELECT now() AS now');
  const out: Checkpoint[] = [];
  for (const r of requests) {
    const head = heads.get(r.partnerId) ?? { seq: 0, hash: GENESIS };
    let statement = null;
    if (r.statement) {
      const entryIds = [...r.statement.entry_ids].map(Number).sort((a, b) => a - b);
      const [{ total }] = await tx.query<{ total: string }>('SELECT coalesce(sum(amount), 0)::text AS total FROM ledger_entries WHERE id = ANY($1::bigint[])', [entryIds]);
      statement = { statement_id: r.statement.statement_id, period: r.statement.period, currency: r.statement.currency, ledger_total: canonicalAmount(total), entry_ids: entryIds };
    }
    const payload = canonical({
      format: CHECKPOINT_FORMAT,
      partner_id: r.partnerId,
      seq: head.seq,
      head: head.hash,
      reason: r.reason,
      issued_at: now,
      key_id: signer.keyId,
      statement,
    });
    const signature = signPayload(signer, payload);
    const [row] = await tx.query<Checkpoint>(
      `INSERT INTO ledger_checkpoints (partner_id, seq, head, reason, statement_id, payload, key_id, signature, issued_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [r.partnerId, head.seq, head.hash, r.reason, statement?.statement_id ?? null, payload, signer.keyId, signature, now],
    );
    out.push(toCheckpoint(row));
  }
  await appendEvents(
    tx,
    out.map((c) => ({
      type: 'ledger.checkpoint',
      subjectType: 'partner',
      subjectId: c.partner_id,
      data: { partner_id: c.partner_id, checkpoint_id: c.checkpoint_id, seq: c.seq, head: c.head, reason: c.reason, statement_id: c.statement_id, key_id: c.key_id, payload: c.payload, signature: c.signature },
    })),
  );
  return out;
}

export async function listCheckpoints(db: Sql, partnerId: string, opts: { limit?: number; afterId?: number } = {}): Promise<Checkpoint[]> {
  const rows = await db.query<Checkpoint>(
    `SELECT ${COLUMNS} FROM ledger_checkpoints WHERE partner_id = $1 AND checkpoint_id > $2 ORDER BY checkpoint_id LIMIT $3`,
    [partnerId, opts.afterId ?? 0, opts.limit ?? 1000],
  );
  return rows.map(toCheckpoint);
}

export async function getCheckpoint(db: Sql, partnerId: string, checkpointId: number): Promise<Checkpoint | undefined> {
  const [row] = await db.query<Checkpoint>(`SELECT ${COLUMNS} FROM ledger_checkpoints WHERE partner_id = $1 AND checkpoint_id = $2`, [partnerId, checkpointId]);
  return row ? toCheckpoint(row) : undefined;
}

/** The latest checkpoint of each statement given (for statement documents). */
export async function statementCheckpoints(db: Sql, statementIds: string[]): Promise<Map<string, Checkpoint>> {
  if (!statementIds.length) return new Map();
  const rows = await db.query<Checkpoint>(
    `SELECT DISTINCT ON (statement_id) ${COLUMNS} FROM ledger_checkpoints WHERE statement_id = ANY($1::text[]) ORDER BY statement_id, checkpoint_id DESC`,
    [statementIds],
  );
  return new Map(rows.map((r) => [r.statement_id as string, toCheckpoint(r)]));
}

/**
 * The daily checkpoints: each partner whose chain grew since its latest checkpoint gets one, at most
 * one daily checkpoint per 24 hours. Returns how many were issued (at most 1,000 per call).
 */
export async function issueDailyCheckpoints(tx: Sql): Promise<number> {
  const due = await tx.query<{ partner_id: string }>(
    `SELECT h.partner_id FROM ledger_chain_heads h
     WHERE h.seq > 0
       AND NOT EXISTS (SELECT 1 FROM ledger_checkpoints c WHERE c.partner_id = h.partner_id AND c.seq = h.seq)
       AND NOT EXISTS (SELECT 1 FROM ledger_checkpoints c WHERE c.partner_id = h.partner_id AND c.reason = 'daily' AND c.issued_at > now() - interval '24 hours')
     ORDER BY h.partner_id LIMIT 1000`,
  );
  await issueCheckpoints(tx, due.map((d) => ({ partnerId: d.partner_id, reason: 'daily' as const })));
  return due.length;
}

/**
 * The worker task behind the daily checkpoints (OPENIB_LEDGER_DAILY_CHECKPOINTS, on by default):
 * every ten minutes it signs the heads of partners whose chains grew and whose last daily checkpoint
 * is a day old, 1,000 partners per round.
 */
export function dailyCheckpointTask(): Task {
  return {
    name: 'ledger-checkpoints',
    intervalMs: 10 * 60_000,
    run: async (ctx) => (await ctx.db.transaction((tx) => issueDailyCheckpoints(tx))) === 1000,
  };
}
