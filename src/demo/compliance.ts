import { storeDocument } from '../compliance/documents.ts';
import { setPartnerProgramme, upsertProgramme } from '../compliance/programmes.ts';
import { setRegisterConsent, terminatePartner } from '../compliance/register.ts';
import { submitTaxForm } from '../compliance/tax-forms.ts';
import { acceptTerms, publishTerms } from '../compliance/terms.ts';
import { PDF_SAMPLE, PNG_SAMPLE } from '../compliance/samples.ts';
import { type Actor, expireVerifications, reviewVerification, saveDetails, submitVerification, type VerificationDetails } from '../compliance/verification.ts';
import { loadConfig } from '../config.ts';
import type { Sql } from '../db/index.ts';
import { createPartner } from '../partners/partners.ts';
import { addDays } from '../shared/dates.ts';
import type { DemoCalendar } from './calendar.ts';
import type { DemoNetwork } from './partners.ts';

const TERMS_V1 = 'Partner agreement, version 1.\n\n1. You introduce clients fairly and never promise profits.\n2. Promotions are approved by the broker before use.\n3. Commission is paid monthly per the plan assigned to you.';
const TERMS_V2 = `${TERMS_V1.replace('version 1', 'version 2')}\n4. No rebates or trading credits to retail clients where the client's regulator forbids them.`;
const TERMS_V2_ES = 'Acuerdo de socios, versión 2.\n\n1. Presenta clientes de forma justa y nunca promete beneficios.\n2. Las promociones las aprueba el bróker antes de usarse.\n3. La comisión se paga mensualmente según su plan.\n4. Sin reembolsos ni créditos a clientes minoristas donde su regulador lo prohíbe.';

/**
 * Compliance for the demo, switched on between the two payout runs (as a broker would): a
 * "regulated" programme gating payouts on verification, current terms and a tax form, terms v1 and
 * v2, the network's partners and four more in every verification state, and one partner whose
 * statement the next run holds (Coral Markets: submitted, not reviewed, terms v2 not accepted, no tax form).
 */
export async function seedComplianceDemo(tx: Sql, network: DemoNetwork, cal: DemoCalendar): Promise<void> {
  const who: Actor = { actor: 'demo-admin', publicUrl: loadConfig().publicUrl };
  const as = (partnerId: string): Actor => ({ ...who, actor: `demo-partner:${partnerId}`, ip: '198.51.100.7' });
  await upsertProgramme(tx, 'regulated', { name: 'Regulated introducing brokers (EU, UK, AU)', require_verification: true, require_terms: true, require_tax_form: true }, who);
  await publishTerms(tx, { programme_id: 'regulated', language: 'en', title: 'Introducing broker agreement', body: TERMS_V1 }, who);
  await publishTerms(tx, { programme_id: 'default', language: 'en', title: 'Affiliate terms', body: TERMS_V1 }, who);

  const details = (legal_name: string, country: string, company: boolean, person: string): VerificationDetails => ({
    legal_name,
    entity_type: company ? 'company' : 'individual',
    ...(company ? { registration_number: `REG-${country}-${legal_name.length}0417` } : {}),
    country,
    people: [{ name: person, role: 'owner' }],
  });
  const prepare = async (partnerId: string, d: VerificationDetails, idExpires: string) => {
    await saveDetails(tx, partnerId, d, as(partnerId));
    await storeDocument(tx, partnerId, { kind: 'id', bytes: PNG_SAMPLE, declaredType: 'image/png', fileName: 'passport.png', expiresOn: idExpires }, as(partnerId), cal.today);
    if (d.entity_type === 'company') await storeDocument(tx, partnerId, { kind: 'company', bytes: PDF_SAMPLE, declaredType: 'application/pdf', fileName: 'certificate-of-incorporation.pdf', expiresOn: undefined }, as(partnerId), cal.today);
    await storeDocument(tx, partnerId, { kind: 'proof_of_address', bytes: PDF_SAMPLE, declaredType: 'application/pdf', fileName: 'utility-bill.pdf', expiresOn: undefined }, as(partnerId), cal.today);
  };
  const farFuture = addDays(cal.today, 3 * 365);

  const { master, sub, subSub } = network;
  for (const p of [master, sub, subSub]) if (p) await setPartnerProgramme(tx, p.partner_id, 'regulated', who);

  // Atlas (master IB): approved, on the register by name, terms accepted, W-8BEN-E.
  await prepare(master.partner_id, { ...details('Atlas Partners Ltd', 'AE', true, 'Omar Haddad'), authorisation: { regulator: 'SCA', licence_number: '20200000123' } }, farFuture);
  await submitVerification(tx, master.partner_id, as(master.partner_id));
  await reviewVerification(tx, master.partner_id, 'approve', undefined, who, cal.today);
  await setRegisterConsent(tx, master.partner_id, true);
  await acceptTerms(tx, master.partner_id, 1, as(master.partner_id));
  await submitTaxForm(tx, master.partner_id, {
    form_type: 'W-8BEN-E',
    data: { organisation_name: 'Atlas Partners Ltd', country_of_incorporation: 'AE', chapter3_status: 'corporation', permanent_address: 'Office 1204, Marina Plaza', city_country: 'Dubai, AE', foreign_tin: '100234567800003' },
    signature: { typed_name: 'Omar Haddad', certify: true },
  }, as(master.partner_id), cal.today);

  // Blue Harbor (sub-IB): approved, W-8BEN.
  await prepare(sub.partner_id, details('Blue Harbor Trading', 'GB', false, 'Emma Clarke'), farFuture);
  await submitVerification(tx, sub.partner_id, as(sub.partner_id));
  await reviewVerification(tx, sub.partner_id, 'approve', undefined, who, cal.today);
  await acceptTerms(tx, sub.partner_id, 1, as(sub.partner_id));
  await submitTaxForm(tx, sub.partner_id, {
    form_type: 'W-8BEN',
    data: { name: 'Emma Clarke', country_of_citizenship: 'GB', permanent_address: '12 Harbour Road', city_country: 'Bristol, GB', country: 'GB', date_of_birth: '1986-09-14', treaty_country: 'GB' },
    signature: { typed_name: 'Emma Clarke', certify: true },
  }, as(sub.partner_id), cal.today);

  // Coral Markets (sub-sub-IB): submitted and waiting for review; no tax form: the next payout run holds it.
  if (subSub) {
    await prepare(subSub.partner_id, details('Coral Markets Co., Ltd.', 'TH', true, 'Somchai Chaiyaporn'), farFuture);
    await submitVerification(tx, subSub.partner_id, as(subSub.partner_id));
    await acceptTerms(tx, subSub.partner_id, 1, as(subSub.partner_id));
  }

  // Terms v2 (English and Spanish): Atlas and Blue Harbor accept it; Coral has not.
  await publishTerms(tx, { programme_id: 'regulated', language: 'en', title: 'Introducing broker agreement', body: TERMS_V2 }, who);
  await publishTerms(tx, { programme_id: 'regulated', language: 'es', version: 2, title: 'Acuerdo de introductor', body: TERMS_V2_ES }, who);
  await acceptTerms(tx, master.partner_id, 2, as(master.partner_id));
  await acceptTerms(tx, sub.partner_id, 2, as(sub.partner_id));

  // Four more partners, one per remaining state, and a terminated one for the register.
  const more = async (name: string, affiliateId: string, country: string, language = 'en') => {
    const p = await createPartner(tx, { name, country, affiliateId, maxLevels: 10, status: 'active' });
    await tx.query('UPDATE partners SET language = $2 WHERE partner_id = $1', [p.partner_id, language]);
    await setPartnerProgramme(tx, p.partner_id, 'regulated', who);
    return p.partner_id;
  };
  await more('Falcon Media', 'AF-2001', 'DE');
  const gamma = await more('Gamma Finanzas', 'AF-2002', 'ES', 'es');
  await prepare(gamma, details('Gamma Finanzas S.L.', 'ES', true, 'Lucía Romero'), farFuture);
  await submitVerification(tx, gamma, as(gamma));
  await reviewVerification(tx, gamma, 'request_more', 'The proof of address must be dated within the last three months.', who, cal.today);
  const delta = await more('Delta Signals', 'AF-2003', 'CY');
  await prepare(delta, details('Delta Signals', 'CY', false, 'Andreas Georgiou'), farFuture);
  await submitVerification(tx, delta, as(delta));
  await reviewVerification(tx, delta, 'reject', 'The identity document does not match the applicant.', who, cal.today);
  const eagle = await more('Eagle Trading Academy', 'AF-2004', 'AU');
  await prepare(eagle, details('Eagle Trading Academy Pty Ltd', 'AU', true, 'Jack Wilson'), addDays(cal.today, 10));
  await submitVerification(tx, eagle, as(eagle));
  await reviewVerification(tx, eagle, 'approve', undefined, who, cal.today);
  // Its passport expires within the 30-day notice: re-verification is requested.
  await expireVerifications(tx, cal.today, 30, who.publicUrl);
  const old = await more('Harbor Lights Media', 'AF-2005', 'GR');
  await prepare(old, details('Harbor Lights Media', 'GR', false, 'Nikos Pappas'), farFuture);
  await submitVerification(tx, old, as(old));
  await reviewVerification(tx, old, 'approve', undefined, who, cal.start);
  await setRegisterConsent(tx, old, true);
  await terminatePartner(tx, old, cal.yesterday, 'Promoted unapproved bonus offers', who);
}
