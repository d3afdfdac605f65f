import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { recordAudit } from '../audit/record.ts';
import { ErrorBody } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import { readUnsubscribeToken, setEmailPreferences } from './email/outbox.ts';
import { registerEntries } from './register.ts';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)}</title>` +
  `<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}</style></head>` +
  `<body>${body}</body></html>`;

const RegisterEntryView = Type.Object({
  name: Type.String({ description: 'The partner\'s name when it consented to appear by name, else "Partner <affiliate id>".', examples: ['Gulf Traders FZE'] }),
  country: Type.Union([Type.String(), Type.Null()], { examples: ['AE'] }),
  since: Type.String({ format: 'date', description: 'Date its due diligence was first approved.' }),
  until: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'Date the relationship ended (terminated partners).' }),
  status: Type.Union([Type.Literal('current'), Type.Literal('terminated')]),
});

/** Pages without sign-in: the public affiliate register and the one-click unsubscribe of partner emails. */
export const compliancePublicRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;
  const enabled = () => {
    if (!config.compliance.publicRegister) throw new AppError(404, 'not_found', 'The public affiliate register is not published here (OPENIB_PUBLIC_REGISTER=1 publishes it).');
  };

  app.get(
    '/register.json',
    {
      config: { public: true },
      schema: {
        tags: ['Compliance'],
        summary: 'Public affiliate register (JSON feed)',
        description: 'No authentication. Current partners (approved due diligence) and terminated ones with their end date, as CySEC Circular C217 asks brokers to publish. Answers 404 unless OPENIB_PUBLIC_REGISTER=1.',
        security: [],
        response: { 200: Type.Object({ generated_at: Type.String({ format: 'date-time' }), current: Type.Array(RegisterEntryView), terminated: Type.Array(RegisterEntryView) }), 404: ErrorBody },
      },
    },
    async (_request, reply) => {
      enabled();
      const entries = await registerEntries(db);
      reply.header('cache-control', 'public, max-age=300');
      return { generated_at: new Date().toISOString(), current: entries.filter((e) => e.status === 'current'), terminated: entries.filter((e) => e.status === 'terminated') };
    },
  );

  app.get('/register', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    enabled();
    const entries = await registerEntries(db);
    const rows = (list: typeof entries, end: boolean) =>
      list.map((e) => `<tr><td>${escape(e.name)}</td><td>${escape(e.country ?? '')}</td><td>${e.since}</td>${end ? `<td>${e.until}</td>` : ''}</tr>`).join('');
    const current = entries.filter((e) => e.status === 'current');
    const ended = entries.filter((e) => e.status === 'terminated');
    reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=300');
    return page(
      'Affiliate register',
      `<h1>Affiliate register</h1><p>Introducing brokers and affiliates we work with, and those we no longer work with. Also as <a href="/register.json">JSON</a>.</p>` +
        `<h2>Current</h2><table><thead><tr><th>Name</th><th>Country</th><th>Since</th></tr></thead><tbody>${rows(current, false)}</tbody></table>` +
        `<h2>Terminated</h2><table><thead><tr><th>Name</th><th>Country</th><th>Since</th><th>Until</th></tr></thead><tbody>${rows(ended, true)}</tbody></table>`,
    );
  });

  app.get(
    '/email/unsubscribe',
    {
      config: { public: true },
      schema: { hide: true, querystring: Type.Object({ token: Type.String({ maxLength: 600 }) }) },
    },
    async (request, reply) => {
      const target = readUnsubscribeToken(request.query.token);
      reply.type('text/html; charset=utf-8');
      if (!target) {
        reply.code(400);
        return page('Unsubscribe', '<h1>This unsubscribe link is not valid</h1><p>Change your email choices in the partner portal instead.</p>');
      }
      await db.transaction(async (tx) => {
        const [p] = await tx.query('SELECT 1 FROM partners WHERE partner_id = $1', [target.partnerId]);
        if (!p) return;
        await setEmailPreferences(tx, target.partnerId, { [target.kind]: false });
        await recordAudit(tx, { actor: 'unsubscribe-link', action: 'partner.email_unsubscribe', subject: { type: 'partner', id: target.partnerId }, after: { kind: target.kind }, ip: request.ip });
      });
      return page('Unsubscribed', `<h1>Unsubscribed</h1><p>You will no longer receive these emails (${escape(target.kind.replace(/_/g, ' '))}). Change your choices in the partner portal.</p>`);
    },
  );
};
