import type { Database, Sql } from '../db/index.ts';
import { AppError } from '../shared/errors.ts';
import { decrypt, decryptPii, emailHash, encryptNullable, type KeyRing, keyRing, PREFIX } from '../shared/keyring.ts';
import type { Task } from '../worker/runner.ts';

/**
 * Every column the key ring seals. `pii` columns may still hold clear text written before
 * encryption at rest (sealed by the first rotation); the others always hold sealed values.
 */
interface Target {
  table: string;
  id: string;
  columns: string[];
  pii: boolean;
  /** A keyed hash recomputed from a sealed column. */
  hash?: { from: string; to: string };
}

export const TARGETS: readonly Target[] = [
  { table: 'customers', id: 'customer_id', columns: ['first_name', 'last_name', 'email', 'phone', 'address'], pii: true, hash: { from: 'email', to: 'email_hash' } },
  { table: 'partners', id: 'partner_id', columns: ['email'], pii: true, hash: { from: 'email', to: 'email_hash' } },
  { table: 'partner_payout_details', id: 'partner_id', columns: ['details_sealed'], pii: false },
  { table: 'connectors', id: 'id', columns: ['secrets_sealed'], pii: false },
  { table: 'connector_sources', id: 'id', columns: ['secret_sealed'], pii: false },
  { table: 'webhook_endpoints', id: 'id', columns: ['secret_sealed', 'previous_secret_sealed'], pii: false },
  // Due diligence and tax forms (docs/compliance.md). Appended: a running rotation's table_index keeps its meaning.
  { table: 'partner_verifications', id: 'partner_id', columns: ['details_sealed'], pii: false },
  { table: 'partner_documents', id: 'document_id', columns: ['file_name_sealed', 'content_sealed'], pii: false },
  { table: 'partner_tax_forms', id: 'form_id', columns: ['data_sealed', 'signature_name_sealed'], pii: false },
  // The generated ledger signing key (docs/verification.md), when OPENIB_LEDGER_SIGNING_KEYS is not set.
  { table: 'ledger_signing_keys', id: 'key_id', columns: ['private_key_sealed'], pii: false },
];

const BATCH = 500;

/** SQL true when a row holds a value not sealed under key $1 or a hash not under hash key $2. */
function staleCondition(t: Target): string {
  const cols = t.columns.map((c) => `(${c} IS NOT NULL AND ${c} NOT LIKE '${PREFIX}' || $1 || ':%')`);
  if (t.hash) cols.push(`(${t.hash.from} IS NOT NULL AND (${t.hash.to} IS NULL OR ${t.hash.to} NOT LIKE $2 || ':%'))`);
  return `(${cols.join(' OR ')})`;
}

export interface RotationStatus {
  active_key_id: string;
  key_ids: string[];
  hash_key_id: string;
  key_source: KeyRing['source'];
  /** Values (per table) not sealed under the active key yet, or whose hash is under another hash key. */
  pending: Record<string, number>;
  /** Values per key id across all sealed columns ("clear" for personal data not sealed yet). */
  by_key: Record<string, number>;
  rotation: {
    id: number;
    status: 'running' | 'completed' | 'failed';
    target_key_id: string;
    table: string | null;
    rewritten: number;
    error: string | null;
    started_at: string;
    finished_at: string | null;
    requested_by: string;
  } | null;
}

interface RotationRow {
  id: number;
  status: 'running' | 'completed' | 'failed';
  target_key_id: string;
  full_pass: boolean;
  table_index: number;
  cursor: string;
  rewritten: number;
  error: string | null;
  started_at: string;
  finished_at: string | null;
  requested_by: string;
}

export async function keyStatus(db: Sql, ring: KeyRing = keyRing()): Promise<RotationStatus> {
  const pending: Record<string, number> = {};
  const byKey: Record<string, number> = {};
  for (const t of TARGETS) {
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.table} WHERE ${staleCondition(t)}`, t.hash ? [ring.active.id, ring.hash.id] : [ring.active.id]);
    pending[t.table] = n;
    for (const c of t.columns) {
      const rows = await db.query<{ k: string; n: number }>(
        `SELECT CASE WHEN ${c} LIKE '${PREFIX}%' THEN split_part(${c}, ':', 3) WHEN ${c} LIKE 'v1.%' THEN 'legacy' ELSE 'clear' END AS k, count(*)::int AS n
         FROM ${t.table} WHERE ${c} IS NOT NULL GROUP BY 1`,
      );
      for (const r of rows) byKey[r.k] = (byKey[r.k] ?? 0) + r.n;
    }
  }
  const [row] = await db.query<RotationRow>('SELECT * FROM key_rotations ORDER BY id DESC LIMIT 1');
  return {
    active_key_id: ring.active.id,
    key_ids: [...ring.keys.keys()],
    hash_key_id: ring.hash.id,
    key_source: ring.source,
    pending,
    by_key: byKey,
    rotation: row
      ? {
          id: Number(row.id),
          status: row.status,
          target_key_id: row.target_key_id,
          table: row.status === 'running' ? (TARGETS[row.table_index]?.table ?? null) : null,
          rewritten: Number(row.rewritten),
          error: row.error,
          started_at: row.started_at,
          finished_at: row.finished_at,
          requested_by: row.requested_by,
        }
      : null,
  };
}

/** Starts a rotation to the active key (or answers the one already running). */
export async function startRotation(db: Database, by: string, full = false): Promise<{ id: number; started: boolean }> {
  return db.transaction(async (tx) => {
    const [running] = await tx.query<{ id: number; target_key_id: string }>(`SELECT id, target_key_id FROM key_rotations WHERE status = 'running' FOR UPDATE`);
    if (running) {
      if (running.target_key_id === keyRing().active.id) return { id: Number(running.id), started: false };
      // The active key changed under a running rotation: finish that one's bookkeeping and start over.
      await tx.query(`UPDATE key_rotations SET status = 'failed', error = 'superseded by a rotation to another key', finished_at = now() WHERE id = $1`, [running.id]);
    }
    const [row] = await tx.query<{ id: number }>('INSERT INTO key_rotations (target_key_id, full_pass, requested_by) VALUES ($1, $2, $3) RETURNING id', [
      keyRing().active.id,
      full,
      by,
    ]);
    return { id: Number(row.id), started: true };
  });
}

/** One batch of the running rotation; true while there is more to do. Resumes from the stored cursor. */
export async function rotateBatch(db: Database, ring: KeyRing = keyRing()): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [r] = await tx.query<RotationRow>(`SELECT * FROM key_rotations WHERE status = 'running' FOR UPDATE SKIP LOCKED`);
    if (!r) return false;
    if (r.target_key_id !== ring.active.id) {
      // Another process (or a restart with other keys) owns the ring now; leave the row to a process whose active key matches.
      return false;
    }
    const t = TARGETS[r.table_index];
    if (!t) {
      await tx.query(`UPDATE key_rotations SET status = 'completed', finished_at = now(), updated_at = now() WHERE id = $1`, [r.id]);
      return false;
    }
    // The first clause types the parameters a table's condition may not use.
    const where = `($1::text, $2::text) IS NOT NULL AND ${t.id} > $3::text${r.full_pass ? '' : ` AND ${staleCondition(t)}`}`;
    const rows = await tx.query<Record<string, string | null>>(
      `SELECT ${t.id} AS id, ${t.columns.join(', ')} FROM ${t.table} WHERE ${where} ORDER BY ${t.id} LIMIT ${BATCH} FOR UPDATE`,
      [ring.active.id, ring.hash.id, r.cursor],
    );
    let sealed: Record<string, (string | null)[]>;
    try {
      sealed = Object.fromEntries(
        t.columns.map((c) => [c, rows.map((row) => encryptNullable(row[c] === null ? null : t.pii ? decryptPii(row[c], ring) : decrypt(row[c] as string, ring), ring))]),
      );
    } catch (err) {
      await tx.query(`UPDATE key_rotations SET status = 'failed', error = $2, finished_at = now(), updated_at = now() WHERE id = $1`, [r.id, (err as Error).message]);
      return false;
    }
    if (rows.length) {
      const cols = [...t.columns, ...(t.hash ? [t.hash.to] : [])];
      const arrays = [
        rows.map((row) => row.id),
        ...t.columns.map((c) => sealed[c]),
        ...(t.hash ? [rows.map((row) => emailHash(row[t.hash!.from] === null ? null : decryptPii(row[t.hash!.from], ring), ring))] : []),
      ];
      await tx.query(
        `UPDATE ${t.table} AS x SET ${cols.map((c) => `${c} = u.${c}`).join(', ')}
         FROM unnest(${arrays.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS u(id, ${cols.join(', ')})
         WHERE x.${t.id} = u.id`,
        arrays,
      );
    }
    const done = rows.length < BATCH;
    await tx.query(`UPDATE key_rotations SET table_index = $2, cursor = $3, rewritten = rewritten + $4, updated_at = now() WHERE id = $1`, [
      r.id,
      done ? r.table_index + 1 : r.table_index,
      done ? '' : (rows[rows.length - 1].id as string),
      rows.length,
    ]);
    return true;
  });
}

/** Runs a rotation to the end in this process (the CLI's `keys rotate --wait`, tests). */
export async function rotateAll(db: Database, by: string, full = false): Promise<void> {
  await startRotation(db, by, full);
  while (await rotateBatch(db));
  const [last] = await db.query<{ status: string; error: string | null }>('SELECT status, error FROM key_rotations ORDER BY id DESC LIMIT 1');
  if (last?.status === 'failed') throw new AppError(500, 'rotation_failed', `The key rotation failed: ${last.error}`);
}

/**
 * The background side of `openib keys rotate`: works through the running rotation in batches.
 * Personal data written in clear by versions before encryption at rest are sealed by the first
 * rotation an operator starts (`openib keys status` counts them as "clear").
 */
export function keyRotationTask(): Task {
  return {
    name: 'key-rotation',
    intervalMs: 2000,
    run: (ctx) => rotateBatch(ctx.db),
  };
}
