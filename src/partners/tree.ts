import type { Sql } from '../db/index.ts';
import { AppError } from '../shared/errors.ts';

// Serialises every change of the tree's shape: two concurrent moves could otherwise each pass the
// cycle check and together make a loop. Moves and sub-IB sign-ups are rare, so one lock is cheap.
const TREE_LOCK = 727_201;

export async function lockTree(tx: Sql): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [TREE_LOCK]);
}

/** The greatest depth (ancestor count) a partner may have under a cap of maxLevels levels. */
export const deepestAllowed = (maxLevels: number) => maxLevels - 1;

export interface AncestorLink {
  partner_id: string;
  affiliate_id: string;
  /** 1 is the direct parent (master IB), 2 its parent, and so on. */
  level: number;
}

/** Adds a new partner to the closure table under parentId (or as a top-level partner). */
export async function addNode(tx: Sql, partnerId: string, parentId: string | null): Promise<void> {
  await tx.query(
    `INSERT INTO partner_tree (ancestor_id, descendant_id, depth)
     SELECT $1, $1, 0
     UNION ALL
     SELECT ancestor_id, $1, depth + 1 FROM partner_tree WHERE descendant_id = $2`,
    [partnerId, parentId],
  );
}

/** Ancestor chains of many partners in one indexed query, nearest first. */
export async function ancestorChains(db: Sql, partnerIds: string[]): Promise<Map<string, AncestorLink[]>> {
  const chains = new Map<string, AncestorLink[]>(partnerIds.map((id) => [id, []]));
  if (partnerIds.length === 0) return chains;
  const rows = await db.query<{ descendant_id: string; partner_id: string; affiliate_id: string; level: number }>(
    `SELECT t.descendant_id, p.partner_id, p.affiliate_id, t.depth AS level
     FROM partner_tree t JOIN partners p ON p.partner_id = t.ancestor_id
     WHERE t.descendant_id = ANY($1::text[]) AND t.depth > 0
     ORDER BY t.descendant_id, t.depth`,
    [[...new Set(partnerIds)]],
  );
  for (const r of rows) chains.get(r.descendant_id)?.push({ partner_id: r.partner_id, affiliate_id: r.affiliate_id, level: r.level });
  return chains;
}

/** Whether descendantId is ancestorId or below it in the current tree. */
export async function isInSubtree(db: Sql, ancestorId: string, descendantId: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM partner_tree WHERE ancestor_id = $1 AND descendant_id = $2', [ancestorId, descendantId]);
  return rows.length > 0;
}

export interface MoveInput {
  partnerId: string;
  parentId: string | null;
  /** Defaults to now; may be in the past, but not before the partner's last parent change. */
  effectiveFrom?: string;
  reason?: string;
  changedBy?: string;
  maxLevels: number;
}

export interface MoveResult {
  moved: boolean;
  from_parent_id: string | null;
  to_parent_id: string | null;
  effective_from: string;
  /** The partner and everything under it. */
  subtree_size: number;
}

const cycle = (message: string) => new AppError(409, 'tree_cycle', message);

/**
 * Moves a partner with its whole subtree under another parent. Refuses loops and trees deeper than
 * the configured cap; closes the partner's current parent period and opens the new one.
 */
export async function moveSubtree(tx: Sql, input: MoveInput): Promise<MoveResult> {
  await lockTree(tx);
  const { partnerId, parentId } = input;
  const [partner] = await tx.query<{ parent_id: string | null; depth: number }>(
    'SELECT parent_id, depth FROM partners WHERE partner_id = $1 FOR NO KEY UPDATE',
    [partnerId],
  );
  if (!partner) throw new AppError(404, 'not_found', 'No partner with this id.');
  const [{ now, height, size }] = await tx.query<{ now: string; height: number; size: number }>(
    `SELECT date_trunc('milliseconds', now()) AS now, max(depth)::int AS height, count(*)::int AS size FROM partner_tree WHERE ancestor_id = $1`,
    [partnerId],
  );
  let newDepth = 0;
  if (parentId !== null) {
    if (parentId === partnerId) throw cycle('A partner cannot be its own parent.');
    // The new parent may have been entered after effective_from: partners earn on facts older than
    // their record (a broker backfilling its history), so the tree can say so too.
    const [parent] = await tx.query<{ depth: number }>('SELECT p.depth FROM partners p WHERE p.partner_id = $1', [parentId]);
    if (!parent) throw new AppError(422, 'validation_failed', 'The new parent does not exist.', [{ field: 'parent_id', reason: `no partner "${parentId}"` }]);
    if (await isInSubtree(tx, partnerId, parentId))
      throw cycle(`Partner ${parentId} is below ${partnerId} in the tree; moving ${partnerId} under it would make a loop. Move ${parentId} out first.`);
    newDepth = parent.depth + 1;
  }
  const deepest = newDepth + height;
  if (deepest > deepestAllowed(input.maxLevels))
    throw new AppError(
      422,
      'tree_too_deep',
      `The move would make the tree ${deepest + 1} levels deep; the limit is ${input.maxLevels} (OPENIB_MAX_TREE_DEPTH).`,
      [{ field: 'parent_id', reason: `would put a partner on level ${deepest + 1} of at most ${input.maxLevels}` }],
    );
  const effectiveFrom = input.effectiveFrom ?? now;
  if (partner.parent_id === parentId)
    return { moved: false, from_parent_id: partner.parent_id, to_parent_id: parentId, effective_from: effectiveFrom, subtree_size: size };
  if (effectiveFrom > now)
    throw new AppError(422, 'validation_failed', 'A move cannot take effect in the future.', [{ field: 'effective_from', reason: 'must not be in the future' }]);

  await recordParentChange(tx, partnerId, parentId, effectiveFrom, input.reason ?? null, input.changedBy ?? null);
  // Detach the subtree from its old ancestors, then hang it under the new parent's ancestors.
  await tx.query(
    `DELETE FROM partner_tree
     WHERE descendant_id IN (SELECT descendant_id FROM partner_tree WHERE ancestor_id = $1)
       AND ancestor_id IN (SELECT ancestor_id FROM partner_tree WHERE descendant_id = $1 AND depth > 0)`,
    [partnerId],
  );
  if (parentId !== null)
    await tx.query(
      `INSERT INTO partner_tree (ancestor_id, descendant_id, depth)
       SELECT a.ancestor_id, s.descendant_id, a.depth + s.depth + 1
       FROM partner_tree a CROSS JOIN partner_tree s
       WHERE a.descendant_id = $2 AND s.ancestor_id = $1`,
      [partnerId, parentId],
    );
  await tx.query(
    `UPDATE partners SET depth = depth + $2, updated_at = now()
     WHERE partner_id IN (SELECT descendant_id FROM partner_tree WHERE ancestor_id = $1)`,
    [partnerId, newDepth - partner.depth],
  );
  await tx.query('UPDATE partners SET parent_id = $2 WHERE partner_id = $1', [partnerId, parentId]);
  return { moved: true, from_parent_id: partner.parent_id, to_parent_id: parentId, effective_from: effectiveFrom, subtree_size: size };
}

/**
 * Closes the partner's open parent period at `from` and opens one with the new parent.
 * A partner whose parent never changed since it was entered can be moved from any earlier instant:
 * its first parent holds from the beginning (as the engine reads it), so that first period now
 * ends at `from` — the record of a tree backfilled after the fact.
 */
async function recordParentChange(tx: Sql, partnerId: string, parentId: string | null, from: string, reason: string | null, by: string | null) {
  const [open] = await tx.query<{ effective_from: string; periods: number }>(
    `SELECT effective_from, (SELECT count(*)::int FROM partner_parent_history a WHERE a.partner_id = h.partner_id) AS periods
     FROM partner_parent_history h WHERE partner_id = $1 AND effective_to IS NULL FOR UPDATE`,
    [partnerId],
  );
  if (open && from < open.effective_from && open.periods === 1) {
    // The first period keeps its parent before `from` (it holds from the beginning whatever its start).
    await tx.query(
      `UPDATE partner_parent_history SET effective_from = $2::timestamptz - interval '1 millisecond', effective_to = $2 WHERE partner_id = $1 AND effective_to IS NULL`,
      [partnerId, from],
    );
    await tx.query(
      'INSERT INTO partner_parent_history (partner_id, parent_id, effective_from, reason, changed_by) VALUES ($1, $2, $3, $4, $5)',
      [partnerId, parentId, from, reason, by],
    );
    return;
  }
  if (open && from < open.effective_from)
    throw new AppError(409, 'move_before_last_change', `The partner's parent last changed at ${open.effective_from}; a move cannot take effect before that.`, [
      { field: 'effective_from', reason: `must not be before ${open.effective_from}` },
    ]);
  if (open && from === open.effective_from) {
    // Same instant as the last change: that change is corrected rather than followed by an empty period.
    await tx.query(
      'UPDATE partner_parent_history SET parent_id = $2, reason = $3, changed_by = $4, recorded_at = now() WHERE partner_id = $1 AND effective_to IS NULL',
      [partnerId, parentId, reason, by],
    );
    return;
  }
  if (open) await tx.query('UPDATE partner_parent_history SET effective_to = $2 WHERE partner_id = $1 AND effective_to IS NULL', [partnerId, from]);
  await tx.query(
    'INSERT INTO partner_parent_history (partner_id, parent_id, effective_from, reason, changed_by) VALUES ($1, $2, $3, $4, $5)',
    [partnerId, parentId, from, reason, by],
  );
}

/**
 * Opens the first parent period of a new partner. Effective times are kept to the millisecond so
 * they compare equal in SQL and in JavaScript (which has no microseconds).
 */
export async function startParentHistory(tx: Sql, partnerId: string, parentId: string | null, by: string | null): Promise<void> {
  await tx.query(
    `INSERT INTO partner_parent_history (partner_id, parent_id, effective_from, reason, changed_by) VALUES ($1, $2, date_trunc('milliseconds', now()), 'created', $3)`,
    [partnerId, parentId, by],
  );
}

/**
 * The ancestor chain as it was at an instant, from the parent history (nearest first). Commissions
 * use this: an override belongs to whoever was the master IB on the activity's date.
 */
export async function ancestorsAt(db: Sql, partnerId: string, instant: string): Promise<AncestorLink[]> {
  return db.query<AncestorLink>(
    `WITH RECURSIVE chain AS (
       SELECT h.parent_id, 1 AS level FROM partner_parent_history h
       WHERE h.partner_id = $1 AND h.effective_from <= $2 AND (h.effective_to IS NULL OR h.effective_to > $2)
       UNION ALL
       SELECT h.parent_id, c.level + 1 FROM chain c JOIN partner_parent_history h
         ON h.partner_id = c.parent_id AND h.effective_from <= $2 AND (h.effective_to IS NULL OR h.effective_to > $2)
       WHERE c.level < 1000
     )
     SELECT p.partner_id, p.affiliate_id, c.level FROM chain c JOIN partners p ON p.partner_id = c.parent_id ORDER BY c.level`,
    [partnerId, instant],
  );
}

/** Rebuilds the closure table and depths from partners.parent_id (bulk loads and repairs). */
export async function rebuildClosure(tx: Sql): Promise<void> {
  await lockTree(tx);
  await tx.query('DELETE FROM partner_tree');
  await tx.query(
    `INSERT INTO partner_tree (ancestor_id, descendant_id, depth)
     WITH RECURSIVE up AS (
       SELECT partner_id AS descendant_id, partner_id AS ancestor_id, parent_id, 0 AS depth FROM partners
       UNION ALL
       SELECT up.descendant_id, p.partner_id, p.parent_id, up.depth + 1 FROM up JOIN partners p ON p.partner_id = up.parent_id
       WHERE up.depth < 1000
     )
     SELECT ancestor_id, descendant_id, depth FROM up`,
  );
  await tx.query(
    `UPDATE partners p SET depth = d.depth FROM (SELECT descendant_id, max(depth) AS depth FROM partner_tree GROUP BY descendant_id) d
     WHERE d.descendant_id = p.partner_id AND p.depth <> d.depth`,
  );
}
