import type { Database, Sql } from '../../db/index.ts';
import { appendEvents } from '../../events/outbox.ts';
import type { AppContext } from '../../http/context.ts';
import { notFound, validationFailed } from '../../shared/errors.ts';

/*
 * What the connector catalogue shows besides a connector's configuration: how far behind the
 * source it is, its throughput, its recent errors with what the source answered, and the
 * connector.lagging alert.
 */

/**
 * Lag in seconds. A connector that reads by time window knows the instant before which every
 * source fact is applied (applied_through): its lag is the age of the oldest fact that may still
 * be missing. Others report the age of the newest record they applied, else the time since they
 * last caught up.
 */
export const LAG_SQL = `CASE WHEN applied_through IS NOT NULL THEN greatest(0, round(extract(epoch FROM now() - applied_through)))
  ELSE coalesce(lag_seconds, round(extract(epoch FROM now() - last_success_at))) END`;

/** Records stored or refused per minute, over the last five minutes. */
export const ROWS_PER_MINUTE_SQL = `coalesce((SELECT sum(t.rows_in) FROM connector_throughput t
  WHERE t.connector_id = connectors.id AND t.minute >= date_trunc('minute', now()) - interval '4 minutes'), 0)::float8 / 5`;

const KEPT_ERRORS = 50;

/** Keeps a failed run's message and the source's answer; only the last 50 per connector are kept. */
export async function recordError(tx: Sql, connectorId: string, message: string, payload: unknown): Promise<void> {
  await tx.query('INSERT INTO connector_errors (connector_id, message, payload) VALUES ($1, $2, $3::jsonb)', [connectorId, message, payload == null ? null : JSON.stringify(payload)]);
  await tx.query(
    `DELETE FROM connector_errors WHERE connector_id = $1 AND id < (SELECT min(id) FROM (SELECT id FROM connector_errors WHERE connector_id = $1 ORDER BY id DESC LIMIT $2) k)`,
    [connectorId, KEPT_ERRORS],
  );
}

export interface ConnectorError {
  id: number;
  message: string;
  payload: unknown;
  created_at: string;
}

export async function connectorErrors(db: Sql, connectorId: string, limit = 20): Promise<ConnectorError[]> {
  const [exists] = await db.query('SELECT 1 FROM connectors WHERE id = $1', [connectorId]);
  if (!exists) throw notFound(`Connector "${connectorId}"`);
  return db.query<ConnectorError>('SELECT id::int AS id, message, payload, created_at FROM connector_errors WHERE connector_id = $1 ORDER BY id DESC LIMIT $2', [connectorId, limit]);
}

/**
 * Reads the source again from `from`: time-window connectors (Match-Trader) move their windowed
 * streams back to that instant, a REST connector paging by modified_since restarts there. The
 * upserts make what is read again harmless. Other connectors rewind with reset_cursor.
 */
export async function backfillFrom(db: Database, connectorId: string, from: string): Promise<void> {
  const at = new Date(from);
  if (Number.isNaN(at.getTime()) || at.getTime() > Date.now()) throw validationFailed([{ field: 'from', reason: 'must be a date or date-time in the past' }]);
  const iso = at.toISOString();
  await db.transaction(async (tx) => {
    const [row] = await tx.query<{ kind: string; cursor: Record<string, unknown>; config: Record<string, unknown> }>('SELECT kind, cursor, config FROM connectors WHERE id = $1 FOR UPDATE', [connectorId]);
    if (!row) throw notFound(`Connector "${connectorId}"`);
    let cursor: Record<string, unknown>;
    let appliedThrough: string | null = null;
    if (row.kind === 'match_trader') {
      const span = 3600;
      cursor = { ...row.cursor, positions: { to: iso, span }, ledgers: { to: iso, span } };
      appliedThrough = iso;
    } else if (row.kind === 'rest' && (row.config.pagination as { style?: string } | undefined)?.style === 'modified_since') {
      cursor = { modified_since: iso, page: 1 };
    } else {
      throw validationFailed([{ field: 'from', reason: `a ${row.kind} connector cannot start from a date; use reset_cursor to read the source again from its start` }]);
    }
    await tx.query('UPDATE connectors SET cursor = $2::jsonb, applied_through = coalesce($3::timestamptz, applied_through), updated_at = now() WHERE id = $1', [
      connectorId,
      JSON.stringify(cursor),
      appliedThrough,
    ]);
  });
}

/**
 * Raises connector.lagging once when an active connector's lag passes its lag_alert_seconds
 * (default 900) and arms it again when the connector has caught up.
 */
export async function checkLag(ctx: AppContext): Promise<string[]> {
  return ctx.db.transaction(async (tx) => {
    const rows = await tx.query<{ id: string; lag: number | null; threshold: number; alerted: boolean }>(
      `SELECT id, (${LAG_SQL})::float8 AS lag, coalesce((config->>'lag_alert_seconds')::int, 900) AS threshold, lag_alerted_at IS NOT NULL AS alerted
       FROM connectors WHERE kind <> 'nats' AND status = 'active' FOR UPDATE SKIP LOCKED`,
    );
    const raised: string[] = [];
    for (const r of rows) {
      const lagging = r.lag !== null && r.lag > r.threshold;
      if (lagging && !r.alerted) {
        await tx.query('UPDATE connectors SET lag_alerted_at = now() WHERE id = $1', [r.id]);
        await appendEvents(tx, [
          { type: 'connector.lagging', subjectType: 'connector', subjectId: r.id, data: { connector_id: r.id, lag_seconds: Math.round(r.lag ?? 0), threshold_seconds: r.threshold } },
        ]);
        raised.push(r.id);
      } else if (!lagging && r.alerted) {
        await tx.query('UPDATE connectors SET lag_alerted_at = NULL WHERE id = $1', [r.id]);
      }
    }
    return raised;
  });
}

export interface ConnectorGauge {
  id: string;
  kind: string;
  status: string;
  lag_seconds: number | null;
  rows_per_minute: number;
}

/** The values of the /metrics gauges, per connector. */
export async function connectorGauges(db: Sql): Promise<ConnectorGauge[]> {
  return db.query<ConnectorGauge>(`SELECT id, kind, status, (${LAG_SQL})::float8 AS lag_seconds, (${ROWS_PER_MINUTE_SQL}) AS rows_per_minute FROM connectors ORDER BY id`);
}

/** Throughput rows older than a day are not shown anywhere. */
export async function pruneThroughput(db: Sql): Promise<void> {
  await db.query(`DELETE FROM connector_throughput WHERE minute < now() - interval '1 day'`);
}
