import type { Sql } from '../db/index.ts';

export interface TreeNode {
  partner_id: string;
  affiliate_id: string;
  name: string;
  status: string;
  parent_id: string | null;
  /** Levels below the partner asked about (1 = direct sub-IB); for ancestors, levels above. */
  depth: number;
  direct_children: number;
  descendants: number;
  /** Customers this partner owns now (its direct clients). */
  customers: number;
}

export interface NodePage {
  data: TreeNode[];
  meta: { total: number; page: number; per_page: number };
}

// Per-node counts for one page of nodes only: a subtree of 50k partners is never counted whole.
const COUNTS = `
  (SELECT count(*) FROM partners c WHERE c.parent_id = p.partner_id)::int AS direct_children,
  (SELECT count(*) - 1 FROM partner_tree d WHERE d.ancestor_id = p.partner_id)::int AS descendants,
  (SELECT count(*) FROM attributions a
     WHERE a.partner_id = p.partner_id AND a.superseded_at IS NULL AND a.effective_from <= now()
       AND (a.effective_to IS NULL OR a.effective_to > now()))::int AS customers`;

/**
 * One page of a partner's subtree, breadth first (by depth, then by when partners were created),
 * the partner itself excluded. One range scan of the closure table's subtree index.
 */
export async function subtreePage(
  db: Sql,
  partnerId: string,
  opts: { maxDepth?: number; page: number; perPage: number },
): Promise<NodePage> {
  const maxDepth = opts.maxDepth ?? 1_000;
  const [{ total }] = await db.query<{ total: number }>(
    'SELECT count(*)::int AS total FROM partner_tree WHERE ancestor_id = $1 AND depth BETWEEN 1 AND $2',
    [partnerId, maxDepth],
  );
  const data = await db.query<TreeNode>(
    `SELECT p.partner_id, p.affiliate_id, p.name, p.status, p.parent_id, t.depth, ${COUNTS}
     FROM (SELECT descendant_id, depth FROM partner_tree WHERE ancestor_id = $1 AND depth BETWEEN 1 AND $2) t
     JOIN partners p ON p.partner_id = t.descendant_id
     ORDER BY t.depth, p.seq LIMIT $3 OFFSET $4`,
    [partnerId, maxDepth, opts.perPage, (opts.page - 1) * opts.perPage],
  );
  return { data, meta: { total, page: opts.page, per_page: opts.perPage } };
}

/** One page of a partner's direct sub-IBs. */
export async function childrenPage(db: Sql, partnerId: string, opts: { page: number; perPage: number }): Promise<NodePage> {
  const [{ total }] = await db.query<{ total: number }>('SELECT count(*)::int AS total FROM partners WHERE parent_id = $1', [partnerId]);
  const data = await db.query<TreeNode>(
    `SELECT p.partner_id, p.affiliate_id, p.name, p.status, p.parent_id, 1 AS depth, ${COUNTS}
     FROM partners p WHERE p.parent_id = $1 ORDER BY p.seq LIMIT $2 OFFSET $3`,
    [partnerId, opts.perPage, (opts.page - 1) * opts.perPage],
  );
  return { data, meta: { total, page: opts.page, per_page: opts.perPage } };
}

/**
 * A partner's ancestors, nearest first, stopping at `visibleFrom` when given (a partner-scoped
 * caller sees the chain up to itself, never above).
 */
export async function ancestorNodes(db: Sql, partnerId: string, visibleFrom?: string): Promise<TreeNode[]> {
  return db.query<TreeNode>(
    `SELECT p.partner_id, p.affiliate_id, p.name, p.status, p.parent_id, t.depth, ${COUNTS}
     FROM partner_tree t JOIN partners p ON p.partner_id = t.ancestor_id
     WHERE t.descendant_id = $1 AND t.depth > 0
       AND ($2::text IS NULL OR t.depth <= (SELECT depth FROM partner_tree WHERE ancestor_id = $2 AND descendant_id = $1))
     ORDER BY t.depth`,
    [partnerId, visibleFrom ?? null],
  );
}

/** Ids of a whole subtree (the partner included) in one indexed query; for bulk callers. */
export async function subtreeIds(db: Sql, partnerId: string): Promise<string[]> {
  const rows = await db.query<{ descendant_id: string }>('SELECT descendant_id FROM partner_tree WHERE ancestor_id = $1', [partnerId]);
  return rows.map((r) => r.descendant_id);
}
