import { Type } from 'typebox';
import { actorOf } from '../audit/http.ts';
import { recordAudit } from '../audit/record.ts';
import { ErrorBody } from '../http/schemas.ts';
import { PartnerIdParam } from '../partners/schemas.ts';
import { EMAIL_KINDS, EMAIL_LANGUAGES, type EmailKind } from './email/catalogue.ts';
import { emailPreferences, setEmailPreferences } from './email/outbox.ts';
import { payoutGates } from './gates.ts';
import { setRegisterConsent, terminatePartner } from './register.ts';
import { currentTaxForm } from './tax-forms.ts';
import { partnerTerms } from './terms.ts';
import { getVerification } from './verification.ts';
import { GateView } from './schemas.ts';
import { type ComplianceApp, type ComplianceRouteContext, tags, hidden, assertOwnOrBroker, assertPartner } from './route-access.ts';

/** The partner's compliance overview and settings, and termination. */
export function overviewRoutes(app: ComplianceApp, c: ComplianceRouteContext): void {
  const { db, today, who } = c;
  // ---- The partner's compliance overview and settings (portal) ----

  app.get(
    '/api/v1/partners/:partner_id/compliance',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags,
        summary: 'What the partner still has to do before it is paid',
        description: 'Verification status, terms to accept, tax form on file, the payout gates of its programme and which of them hold its payouts now; its language, register consent and email choices.',
        params: PartnerIdParam,
        response: {
          200: Type.Object({
            data: Type.Object({
              programme_id: Type.String(),
              verification: Type.String(),
              terms_needs_acceptance: Type.Boolean(),
              tax_form: Type.Union([Type.String(), Type.Null()]),
              gates: GateView,
              language: Type.String(),
              register_consent: Type.Boolean(),
              terminated_on: Type.Union([Type.String(), Type.Null()]),
              emails: Type.Record(Type.String(), Type.Boolean()),
            }),
          }),
          403: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      assertOwnOrBroker(request.caller, id, false);
      const [p] = await db.query<{ programme_id: string; language: string; register_consent: boolean; terminated_on: string | null }>(
        'SELECT programme_id, language, register_consent, terminated_on::text AS terminated_on FROM partners WHERE partner_id = $1',
        [id],
      );
      if (!p) throw hidden();
      const [v, terms, form, gates, emails] = await Promise.all([getVerification(db, id), partnerTerms(db, id), currentTaxForm(db, id), payoutGates(db, [id]), emailPreferences(db, id)]);
      const gate = gates.get(id)!;
      return {
        data: {
          programme_id: p.programme_id, verification: v.status, terms_needs_acceptance: terms.needs_acceptance, tax_form: form?.form_type ?? null,
          gates: { held: gate.hold !== null, reason: gate.hold, missing: gate.missing }, language: p.language, register_consent: p.register_consent, terminated_on: p.terminated_on, emails,
        },
      };
    },
  );

  app.patch(
    '/api/v1/partners/:partner_id/compliance',
    {
      config: { scope: 'partners:write', auditsItself: true },
      schema: {
        tags,
        summary: 'Change the partner\'s language, register consent and email choices',
        description: `language: of its terms and emails (${EMAIL_LANGUAGES.join(', ')} have email texts; others get English). register_consent: whether it appears by name on the public affiliate register. emails: per kind, on or off (${EMAIL_KINDS.join(', ')}).`,
        params: PartnerIdParam,
        body: Type.Object(
          {
            language: Type.Optional(Type.String({ pattern: '^[a-z]{2}$', examples: ['es'] })),
            register_consent: Type.Optional(Type.Boolean()),
            emails: Type.Optional(Type.Partial(Type.Object(Object.fromEntries(EMAIL_KINDS.map((k) => [k, Type.Boolean()]))), { additionalProperties: false })),
          },
          { additionalProperties: false, examples: [{ language: 'es', register_consent: true, emails: { client_registered: true } }] },
        ),
        response: { 200: Type.Object({ ok: Type.Boolean() }), 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      assertOwnOrBroker(request.caller, id, true);
      const b = request.body;
      await db.transaction(async (tx) => {
        await assertPartner(tx, id);
        if (b.language) await tx.query('UPDATE partners SET language = $2, updated_at = now() WHERE partner_id = $1', [id, b.language]);
        if (b.register_consent !== undefined) await setRegisterConsent(tx, id, b.register_consent);
        if (b.emails) await setEmailPreferences(tx, id, b.emails as Partial<Record<EmailKind, boolean>>);
        await recordAudit(tx, { actor: actorOf(request), action: 'partner.compliance_settings', subject: { type: 'partner', id }, after: b, ip: request.ip });
      });
      request.audited = true;
      return { ok: true };
    },
  );

  app.post(
    '/api/v1/partners/:partner_id/terminate',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags,
        summary: 'Terminate a partner',
        description: 'Ends the relationship: the partner is suspended and its end date set (today unless given), which the public affiliate register shows. Audited; emits `partner.terminated`.',
        params: PartnerIdParam,
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 200 }), on: Type.Optional(Type.String({ format: 'date', examples: ['2026-12-31'] })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ partner_id: Type.String(), terminated_on: Type.String() }), 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      const on = request.body.on ?? today();
      await db.transaction(async (tx) => {
        await assertPartner(tx, id);
        await terminatePartner(tx, id, on, request.body.reason, who(request));
      });
      request.audited = true;
      return { partner_id: id, terminated_on: on };
    },
  );
}
