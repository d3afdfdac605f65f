import type { TestServer } from '../../test/helpers/server.ts';

export { PDF_SAMPLE as PDF, PNG_SAMPLE as PNG } from './samples.ts';
import { PNG_SAMPLE as PNG } from './samples.ts';

/** Uploads one document as multipart/form-data, the way the portal does. */
export async function uploadDocument(
  t: TestServer,
  token: string,
  partnerId: string,
  file: { bytes: Buffer; type: string; name?: string },
  fields: Record<string, string> = { kind: 'id' },
): Promise<{ status: number; body: any }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name ?? 'document');
  const res = await fetch(`${t.url}/api/v1/partners/${partnerId}/verification/documents`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}

export const DETAILS = {
  legal_name: 'Gulf Traders FZE',
  entity_type: 'company',
  registration_number: 'FZE-2231',
  country: 'AE',
  authorisation: { regulator: 'SCA', licence_number: '20200000123' },
  people: [{ name: 'Omar Haddad', role: 'owner', nationality: 'AE', date_of_birth: '1980-04-01' }],
};

/** Takes a partner through due diligence to approved: details, an ID document, submit, approve. */
export async function verifyPartner(t: TestServer, admin: string, partnerId: string): Promise<void> {
  const own = await t.token(['partners:read', 'partners:write'], partnerId);
  const put = await t.call('PUT', `/api/v1/partners/${partnerId}/verification`, { token: own, body: { ...DETAILS, entity_type: 'individual', registration_number: undefined } });
  if (put.status !== 200) throw new Error(`details: ${put.status} ${put.text}`);
  const up = await uploadDocument(t, own, partnerId, { bytes: PNG, type: 'image/png' }, { kind: 'id' });
  if (up.status !== 201) throw new Error(`upload: ${up.status} ${JSON.stringify(up.body)}`);
  const sub = await t.call('POST', `/api/v1/partners/${partnerId}/verification/submit`, { token: own });
  if (sub.status !== 200) throw new Error(`submit: ${sub.status} ${sub.text}`);
  const ok = await t.call('POST', `/api/v1/partners/${partnerId}/verification/review`, { token: admin, body: { action: 'approve' } });
  if (ok.status !== 200) throw new Error(`approve: ${ok.status} ${ok.text}`);
}

export const W8BEN = {
  form_type: 'W-8BEN',
  data: { name: 'Maria Lopez', country_of_citizenship: 'ES', permanent_address: 'Calle Mayor 1', city_country: 'Madrid, Spain', country: 'ES', date_of_birth: '1985-02-11', foreign_tin: 'X1234567Z' },
  signature: { typed_name: 'Maria Lopez', certify: true },
};

export const W9 = {
  form_type: 'W-9',
  data: { name: 'John Carter', tax_classification: 'individual', address: '1 Main St', city_state_zip: 'Austin, TX 78701', tin_type: 'ssn', tin: '123-45-6789' },
  signature: { typed_name: 'John Carter', certify: true },
};
