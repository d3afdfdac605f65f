import { recordAudit } from '../audit/record.ts';
import type { Sql } from '../db/index.ts';
import { hashPassword } from './passwords.ts';
import { type AdminRole, createAdminUser, createPortalUser } from './users.ts';

/** The demo's sign-in logins (README, "Partner portal and admin console"); only created with demo data. */
export const DEMO_ADMIN_LOGINS: { email: string; password: string; role: AdminRole; name: string }[] = [
  { email: 'admin@demo.openib.local', password: 'demo-admin-password', role: 'admin', name: 'Demo Admin' },
  { email: 'finance@demo.openib.local', password: 'demo-finance-password', role: 'finance', name: 'Demo Finance' },
  { email: 'viewer@demo.openib.local', password: 'demo-viewer-password', role: 'viewer', name: 'Demo Viewer' },
];
/** The demo master IB (affiliate IB-1000) and its sub-IB (IB-1001). */
export const DEMO_PORTAL_LOGINS = [
  { email: 'master@demo.openib.local', password: 'demo-partner-password', affiliateId: 'IB-1000' },
  { email: 'sub@demo.openib.local', password: 'demo-partner-password', affiliateId: 'IB-1001' },
];

/** Creates whichever demo logins are missing (databases with older demo data get them on the next start). */
export async function seedDemoLogins(tx: Sql): Promise<void> {
  for (const login of DEMO_ADMIN_LOGINS) {
    if ((await tx.query('SELECT 1 FROM admin_users WHERE lower(email) = $1', [login.email])).length) continue;
    const user = await createAdminUser(tx, { email: login.email, name: login.name, role: login.role, passwordHash: await hashPassword(login.password) });
    await recordAudit(tx, { actor: 'system', action: 'admin_user.create', subject: { type: 'admin_user', id: user.id }, after: { ...user, via: 'demo data' } });
  }
  for (const login of DEMO_PORTAL_LOGINS) {
    if ((await tx.query('SELECT 1 FROM portal_users WHERE lower(email) = $1', [login.email])).length) continue;
    const [partner] = await tx.query<{ partner_id: string; name: string }>('SELECT partner_id, name FROM partners WHERE affiliate_id = $1', [login.affiliateId]);
    if (!partner) continue;
    const user = await createPortalUser(tx, { partnerId: partner.partner_id, email: login.email, name: partner.name, passwordHash: await hashPassword(login.password) });
    await recordAudit(tx, { actor: 'system', action: 'portal_user.create', subject: { type: 'portal_user', id: user.id }, after: { ...user, via: 'demo data' } });
  }
}
