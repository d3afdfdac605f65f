import type { Sql } from '../db/index.ts';
import { newSigningSecret, sealSecret } from './secrets.ts';

export const DEMO_ENDPOINT_ID = 'ep_demo_crm';

/**
 * The demo's webhook endpoint: a CRM that is not there (port 9 of this machine). Its messages fail
 * (the address is refused unless private addresses are allowed, and nothing listens there anyway),
 * so the delivery log, retries and, after the last retry, the dead-letter list have something to show.
 */
export async function addDemoEndpoint(db: Sql): Promise<void> {
  await db.query(
    `INSERT INTO webhook_endpoints (id, kind, url, description, secret_sealed)
     VALUES ($1, 'webhook', 'http://127.0.0.1:9/openib-demo', $2, $3) ON CONFLICT (id) DO NOTHING`,
    [
      DEMO_ENDPOINT_ID,
      'Demo: a CRM that is not there. Shows failed attempts, retries and dead letters; point it at your CRM (PATCH url) or delete it.',
      sealSecret(newSigningSecret()),
    ],
  );
}
