import type { Sql } from '../db/index.ts';
import { createSource } from './inbound/sources.ts';

/** The demo data set's inbound webhook source: well-known, for trying signed webhooks locally only. */
export const DEMO_SOURCE = {
  id: 'demo-crm',
  mapping: 'example-crm-lifecycle',
  secret: `whsec_${Buffer.from('openib-demo-webhook-secret-local').toString('base64')}`,
} as const;

export async function loadConnectorDemo(db: Sql): Promise<void> {
  const [exists] = await db.query('SELECT 1 FROM connector_sources WHERE id = $1', [DEMO_SOURCE.id]);
  if (exists) return;
  await createSource(db, { id: DEMO_SOURCE.id, name: 'Demo CRM (signed webhooks)', kind: 'webhook', auth: 'signature', mapping: DEMO_SOURCE.mapping }, DEMO_SOURCE.secret);
}
