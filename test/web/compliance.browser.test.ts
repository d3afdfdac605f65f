import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG_SAMPLE } from '../../src/compliance/samples.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { appErrors, builtWebApp, settled } from './support.ts';

let t: TestServer;
let browser: TestBrowser;
let admin: string;
let partnerId: string;

const PASSWORD = 'a-long-compliance-password';

beforeAll(async () => {
  await builtWebApp();
  t = await startTestServer();
  admin = await t.token();
  expect((await t.call('POST', '/api/v1/admin-users', { token: admin, body: { email: 'compliance@example.com', name: 'Compliance', role: 'admin', password: PASSWORD } })).status).toBe(201);
  partnerId = (await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Lopez Introducers', email: 'maria@example.es', country: 'ES' } })).body.partner_id;
  expect((await t.call('POST', `/api/v1/partners/${partnerId}/portal-users`, { token: admin, body: { email: 'maria@example.es', password: PASSWORD } })).status).toBe(201);
  expect((await t.call('POST', '/api/v1/compliance/terms', { token: admin, body: { programme_id: 'default', language: 'en', title: 'Partner agreement', body: 'You introduce clients fairly.' } })).status).toBe(201);
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('compliance in a browser', () => {
  it('the partner submits documents, accepts the terms and fills a W-8BEN in the portal', async () => {
    const { page, consoleErrors } = await browser.newPage();
    await page.goto(`${t.url}/portal/`);
    await page.getByLabel('Email').fill('maria@example.es');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('link', { name: 'Onboarding' }).click();
    await settled(page);

    const details = page.getByRole('form', { name: 'Verification details' });
    await details.getByLabel('Legal name').fill('Maria Lopez');
    await details.getByLabel('Country (2 letters)').fill('ES');
    await details.getByLabel('Your full name').fill('Maria Lopez');
    await details.getByRole('button', { name: 'Save details' }).click();
    await details.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    const upload = page.getByRole('form', { name: 'Upload a document' });
    await upload.getByLabel('Expires on (if it has an expiry)').fill('2035-05-31');
    await upload.getByLabel('File (PDF, PNG or JPEG)').setInputFiles({ name: 'passport.png', mimeType: 'image/png', buffer: PNG_SAMPLE });
    await upload.getByRole('button', { name: 'Upload' }).click();
    await page.getByRole('button', { name: 'passport.png' }).waitFor();
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByRole('heading', { name: /Business verification/ }).getByText('Submitted').waitFor();

    await page.getByRole('button', { name: 'I accept version 1' }).click();
    await page.getByText('You accepted version 1').waitFor();

    const tax = page.getByRole('form', { name: 'Tax form' });
    await tax.getByLabel('Name', { exact: true }).fill('Maria Lopez');
    await tax.getByLabel('Country of citizenship (2 letters)').fill('ES');
    await tax.getByLabel('Permanent residence address').fill('Calle Mayor 1');
    await tax.getByLabel('City and country').fill('Madrid, Spain');
    await tax.getByLabel('Country of residence (2 letters)').fill('ES');
    await tax.getByLabel('Date of birth').fill('1985-02-11');
    await tax.getByLabel('Signature: type your full name').fill('Maria Lopez');
    await tax.getByRole('checkbox').check();
    await tax.getByRole('button', { name: 'Sign and submit' }).click();
    await tax.getByRole('status').filter({ hasText: 'Tax form filed.' }).waitFor();
    await browser.screenshot(page, 'portal-onboarding');

    const v = (await t.call('GET', `/api/v1/partners/${partnerId}/verification`, { token: admin })).body.data;
    expect(v).toMatchObject({ status: 'submitted', details: { legal_name: 'Maria Lopez', country: 'ES' }, documents: [{ kind: 'id', content_type: 'image/png', expires_on: '2035-05-31' }] });
    expect((await t.call('GET', `/api/v1/partners/${partnerId}/terms`, { token: admin })).body.data.accepted_version).toBe(1);
    expect((await t.call('GET', `/api/v1/partners/${partnerId}/tax-form`, { token: admin })).body.data).toMatchObject({ form_type: 'W-8BEN', signature: { typed_name: 'Maria Lopez' } });
    expect(appErrors(consoleErrors)).toEqual([]);
  });

  it('the compliance officer reviews it in the console: asks for more, then approves', async () => {
    const { page, consoleErrors } = await browser.newPage();
    await page.goto(`${t.url}/admin/`);
    await page.getByLabel('Email').fill('compliance@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('link', { name: 'Compliance' }).click();
    await settled(page);
    await page.getByRole('button', { name: 'Review Lopez Introducers' }).click();
    await page.getByText('Maria Lopez', { exact: true }).first().waitFor();
    await page.getByRole('button', { name: /Download passport\.png/ }).waitFor();
    await page.getByLabel('Reason (to reject or ask for more; shown to the partner)').fill('Please add a proof of address.');
    await page.getByRole('button', { name: 'Ask for more' }).click();
    await page.getByText('No partners in this state.').waitFor();
    expect((await t.call('GET', `/api/v1/partners/${partnerId}/verification`, { token: admin })).body.data).toMatchObject({ status: 'more_requested', requested: 'Please add a proof of address.' });

    // The partner adds the document and submits again (through the API here); the officer approves.
    const own = await t.token(['partners:read', 'partners:write'], partnerId);
    expect((await t.call('POST', `/api/v1/partners/${partnerId}/verification/submit`, { token: own })).status).toBe(200);
    await page.reload();
    await settled(page);
    await page.getByRole('button', { name: 'Review Lopez Introducers' }).click();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('No partners in this state.').waitFor();
    await browser.screenshot(page, 'admin-compliance');
    expect((await t.call('GET', `/api/v1/partners/${partnerId}/verification`, { token: admin })).body.data.status).toBe('approved');
    const audit = await t.server.ctx.db.query<{ actor: string; action: string }>(`SELECT actor, action FROM audit_log WHERE subject_id = $1 AND action LIKE 'partner.verification.%' ORDER BY id`, [partnerId]);
    expect(audit.map((a) => a.action)).toEqual(['partner.verification.details', 'partner.verification.submitted', 'partner.verification.more_requested', 'partner.verification.submitted', 'partner.verification.approved']);
    expect(audit[2].actor).toMatch(/^user:/);
    expect(appErrors(consoleErrors)).toEqual([]);
  });
});
