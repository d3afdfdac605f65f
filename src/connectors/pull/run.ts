import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/index.ts';
import { appendEvents } from '../../events/outbox.ts';
import type { AppContext } from '../../http/context.ts';
import { AppError } from '../../shared/errors.ts';
import { applyLenient, type Rejected } from '../apply.ts';
import { addDeadLetters } from '../dead-letters.ts';
import type { EntityName } from '../entities.ts';
import { pullMt } from '../mt/pull.ts';
import { pullMatchTrader } from '../match-trader/pull.ts';
import { SourceError } from '../rest/http.ts';
import { pullRest } from '../rest/pull.ts';
import { recordError } from './catalogue.ts';
import { loadForRun } from './store.ts';

/*
 * One run of a pull connector. A lease on the connector row keeps two workers from running it at
 * once; every page is committed together with the cursor that follows it, so a run cut short
 * anywhere resumes at the first page not committed (exactly once, given idempotent upserts).
 */

const LEASE_SECONDS = 600;

export interface RunContext {
  app: AppContext;
  connectorId: string;
  kind: string;
  config: Record<string, unknown>;
  secrets: { auth_header?: { name: string; value: string }; mysql_url?: string; api_key?: string };
  cursor: Record<string, unknown>;
  signal: AbortSignal;
  /**
   * Commits one page of records with the cursor that follows it. `appliedThrough`: every source
   * fact dated before this instant is now applied (connectors that read by time window say so).
   */
  commit(
    groups: PageGroup[],
    cursor: Record<string, unknown>,
    lagSeconds?: number | null,
    before?: (tx: Sql) => Promise<void>,
    appliedThrough?: string,
  ): Promise<{ stored: number; rejected: number }>;
}

export interface PageGroup {
  entity: EntityName;
  records: unknown[];
  /** Source keys of the records (ticket, deal id…), used as dead-letter keys when refused. */
  keys?: string[];
  /** Records the adapter already knows are bad (its mapping could not read them). */
  refused?: Rejected[];
}

export interface RunSummary {
  status: 'ok' | 'failed' | 'skipped';
  records_in: number;
  records_rejected: number;
  error?: string;
  paused?: boolean;
}

async function commitPage(
  ctx: AppContext,
  id: string,
  label: string,
  owner: string,
  groups: PageGroup[],
  cursor: Record<string, unknown>,
  lag: number | null | undefined,
  before?: (tx: Sql) => Promise<void>,
  appliedThrough?: string,
) {
  return ctx.db.transaction(async (tx: Sql) => {
    if (before) await before(tx);
    let stored = 0;
    let rejected = 0;
    for (const g of groups) {
      if (g.records.length === 0) continue;
      const refused = new Set((g.refused ?? []).map((r) => r.index));
      const indexes = g.records.map((_, i) => i).filter((i) => !refused.has(i));
      const out = await applyLenient(tx, g.entity, indexes.map((i) => g.records[i]), { timeZone: ctx.config.brokerTimeZone });
      const bad = [...(g.refused ?? []), ...out.rejected.map((r) => ({ index: indexes[r.index], issues: r.issues }))];
      stored += out.storedIndexes.length;
      rejected += bad.length;
      await addDeadLetters(
        tx,
        bad.map((r) => ({
          source: label,
          entity: g.entity,
          eventKey: g.keys?.[r.index],
          payload: { kind: 'records' as const, entity: g.entity, records: [g.records[r.index]] },
          error: `${r.issues[0]?.field ?? 'record'} ${r.issues[0]?.reason ?? 'was refused'}`,
          details: r.issues,
        })),
      );
    }
    const updated = await tx.query(
      `UPDATE connectors SET cursor = $3::jsonb, records_in = records_in + $4, records_rejected = records_rejected + $5,
         lag_seconds = coalesce($6, lag_seconds), applied_through = coalesce($7::timestamptz, applied_through), updated_at = now()
       WHERE id = $1 AND lease_owner = $2 RETURNING 1`,
      [id, owner, JSON.stringify(cursor), stored, rejected, lag ?? null, appliedThrough ?? null],
    );
    if (updated.length === 0) throw new Error('The connector\'s lease was lost (another worker took over); this page was not committed.');
    if (stored + rejected > 0)
      await tx.query(
        `INSERT INTO connector_throughput (connector_id, minute, rows_in) VALUES ($1, date_trunc('minute', now()), $2)
         ON CONFLICT (connector_id, minute) DO UPDATE SET rows_in = connector_throughput.rows_in + EXCLUDED.rows_in`,
        [id, stored + rejected],
      );
    return { stored, rejected };
  });
}

/** Runs a pull connector once, now. Tests and POST /api/v1/connectors/{id}/run call this directly. */
export async function runOnce(ctx: AppContext, connectorId: string, opts: { signal?: AbortSignal; scheduled?: boolean } = {}): Promise<RunSummary> {
  const owner = randomUUID();
  const [lease] = await ctx.db.query<{ id: string }>(
    `UPDATE connectors SET lease_owner = $2, lease_until = now() + make_interval(secs => $3), last_run_at = now()
     WHERE id = $1 AND kind <> 'nats' AND (lease_until IS NULL OR lease_until < now()) AND ($4 = false OR status = 'active') RETURNING id`,
    [connectorId, owner, LEASE_SECONDS, opts.scheduled ?? false],
  );
  if (!lease) {
    const [exists] = await ctx.db.query('SELECT 1 FROM connectors WHERE id = $1', [connectorId]);
    if (!exists) throw new AppError(404, 'not_found', `Connector "${connectorId}" was not found.`);
    return { status: 'skipped', records_in: 0, records_rejected: 0, error: 'already running, or paused' };
  }
  let totals = { in: 0, rejected: 0 };
  try {
    const loaded = await loadForRun(ctx.db, connectorId);
    const run: RunContext = {
      app: ctx,
      connectorId,
      kind: loaded.kind,
      config: loaded.config,
      secrets: loaded.secrets,
      cursor: loaded.cursor,
      signal: opts.signal ?? new AbortController().signal,
      async commit(groups, cursor, lag, before, appliedThrough) {
        const r = await commitPage(ctx, connectorId, `${loaded.kind}:${connectorId}`, owner, groups, cursor, lag, before, appliedThrough);
        run.cursor = cursor;
        totals = { in: totals.in + r.stored, rejected: totals.rejected + r.rejected };
        return r;
      },
    };
    if (loaded.kind === 'rest') await pullRest(run);
    else if (loaded.kind === 'match_trader') await pullMatchTrader(run);
    else await pullMt(run);
    await ctx.db.query(
      `UPDATE connectors SET last_success_at = now(), last_error = NULL, consecutive_failures = 0, status = 'active', lease_owner = NULL, lease_until = NULL, updated_at = now()
       WHERE id = $1 AND lease_owner = $2`,
      [connectorId, owner],
    );
    return { status: 'ok', records_in: totals.in, records_rejected: totals.rejected };
  } catch (err) {
    const message = (err as Error).message.slice(0, 2000);
    const paused = await ctx.db.transaction(async (tx) => {
      const [row] = await tx.query<{ consecutive_failures: number; pause_after: number; status: string }>(
        `UPDATE connectors SET consecutive_failures = consecutive_failures + 1, last_error = $3, lease_owner = NULL, lease_until = NULL, updated_at = now()
         WHERE id = $1 AND lease_owner = $2
         RETURNING consecutive_failures, coalesce((config->>'pause_after_failures')::int, 5) AS pause_after, status`,
        [connectorId, owner, message],
      );
      if (row) await recordError(tx, connectorId, message, err instanceof SourceError ? err.payload : null);
      if (!row || row.status === 'paused' || row.consecutive_failures < row.pause_after) return false;
      await tx.query(`UPDATE connectors SET status = 'paused' WHERE id = $1`, [connectorId]);
      await appendEvents(tx, [
        { type: 'connector.failed', subjectType: 'connector', subjectId: connectorId, data: { connector_id: connectorId, consecutive_failures: row.consecutive_failures, error: message.slice(0, 500) } },
      ]);
      return true;
    });
    return { status: 'failed', records_in: totals.in, records_rejected: totals.rejected, error: message, paused };
  }
}

/** Pull connectors whose interval has passed since their last run, for the scheduled task. */
export async function dueConnectors(ctx: AppContext): Promise<string[]> {
  const rows = await ctx.db.query<{ id: string }>(
    `SELECT id FROM connectors WHERE kind <> 'nats' AND status = 'active' AND (lease_until IS NULL OR lease_until < now())
       AND (last_run_at IS NULL OR last_run_at + make_interval(secs => interval_seconds) <= now()) ORDER BY last_run_at NULLS FIRST`,
  );
  return rows.map((r) => r.id);
}
