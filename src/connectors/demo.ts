import type { Sql } from '../db/index.ts';
import { createSource } from './inbound/sources.ts';
import { createConnector } from './pull/store.ts';

/** The demo data set's inbound webhook source: well-known, for trying signed webhooks locally only. */
export const DEMO_SOURCE = {
  id: 'demo-crm',
  mapping: 'example-crm-lifecycle',
  secret: `whsec_${Buffer.from('openib-demo-webhook-secret-local').toString('base64')}`,
} as const;

/**
 * A Match-Trader connector as it looks after a day of syncing: paused (the demo has no network),
 * pointed at a local address, with the state a sync recorded — its cursor, what it applied, its
 * throughput and one rate-limit answer it recovered from. Resume it against a real Broker API (or
 * the simulator under test/simulators) by changing base_url and the API key.
 */
export const DEMO_MATCH_TRADER = { id: 'demo-match-trader', systemUuid: '7c1e8a52-3f4d-4b6e-9a0b-5d2c1e0f9a77' } as const;

export async function loadConnectorDemo(db: Sql, now = new Date()): Promise<void> {
  const [exists] = await db.query('SELECT 1 FROM connector_sources WHERE id = $1', [DEMO_SOURCE.id]);
  if (!exists)
    await createSource(db, { id: DEMO_SOURCE.id, name: 'Demo CRM (signed webhooks)', kind: 'webhook', auth: 'signature', mapping: DEMO_SOURCE.mapping }, DEMO_SOURCE.secret);
  const [mt] = await db.query('SELECT 1 FROM connectors WHERE id = $1', [DEMO_MATCH_TRADER.id]);
  if (mt) return;
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
  await createConnector(db, {
    id: DEMO_MATCH_TRADER.id,
    name: 'Match-Trader live (demo, paused)',
    kind: 'match_trader',
    interval_seconds: 60,
    config: { base_url: 'http://127.0.0.1:9', system_uuid: DEMO_MATCH_TRADER.systemUuid, groups: ['real\\standard', 'real\\pro'], backfill_from: minutesAgo(60 * 24 * 30).slice(0, 10) },
    secrets: { api_key: 'demo-key-not-valid-anywhere' },
  });
  const through = minutesAgo(21);
  await db.query(
    `UPDATE connectors SET status = 'paused', last_run_at = $2, last_success_at = $2, applied_through = $3, records_in = 18452, records_rejected = 0,
       cursor = $4::jsonb WHERE id = $1`,
    [
      DEMO_MATCH_TRADER.id,
      minutesAgo(20),
      through,
      JSON.stringify({ accounts: { since: minutesAgo(60 * 24 * 3), page: 0 }, positions: { to: through, span: 7200 }, ledgers: { to: through, span: 86_400 } }),
    ],
  );
  await db.query(
    `INSERT INTO connector_throughput (connector_id, minute, rows_in) SELECT $1, date_trunc('minute', $2::timestamptz) - make_interval(mins => m), 40 + (m * 37) % 90 FROM generate_series(0, 4) m`,
    [DEMO_MATCH_TRADER.id, minutesAgo(20)],
  );
  await db.query('INSERT INTO connector_errors (connector_id, message, payload, created_at) VALUES ($1, $2, $3::jsonb, $4)', [
    DEMO_MATCH_TRADER.id,
    'http://127.0.0.1:9/v1/closed-positions answered HTTP 429, after 3 attempt(s).',
    JSON.stringify({ method: 'POST', url: 'http://127.0.0.1:9/v1/closed-positions', status: 429, body: '{"status":"429","title":"Too Many Requests","detail":"Request limit exceeded"}', attempts: 3 }),
    minutesAgo(60 * 5),
  ]);
}
