import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { mapEvent, mapField } from './apply.ts';
import { type Mapping, mappingIssues } from './schema.ts';

const example = (name: string) => JSON.parse(readFileSync(new URL(`../../../config/mappings/${name}.json`, import.meta.url), 'utf8')) as Mapping;
const lifecycle = example('example-crm-lifecycle');
const timeline = example('example-timeline-webhook');

describe('field rules', () => {
  const payload = { a: { b: 'X', n: 12345, t: 1772373900, ms: 1772373900123, iso: '2026-03-01T16:05:00+02:00', neg: '-40.5' }, list: [{ id: 'first' }] };
  it.each([
    ['a rename (dot path)', 'a.b', 'X'],
    ['a list index', 'list.0.id', 'first'],
    ['a missing path (left out)', 'a.nothing', undefined],
    ['a constant', { const: 'deposit' }, 'deposit'],
    ['a template', { template: 'dep-{a.n}' }, 'dep-12345'],
    ['a template with a missing part (left out)', { template: 'dep-{a.zz}' }, undefined],
    ['an enum map', { path: 'a.n', map: { '12345': 'approved' } }, 'approved'],
    ['an enum map default', { path: 'a.b', map: { Y: 'y' }, default: 'other' }, 'other'],
    ['a default for a missing value', { path: 'a.zz', default: '' }, ''],
    ['unix seconds', { path: 'a.t', date: 'unix_s' }, '2026-03-01T14:05:00.000Z'],
    ['unix milliseconds', { path: 'a.ms', date: 'unix_ms' }, '2026-03-01T14:05:00.123Z'],
    ['ISO with an offset, to UTC', { path: 'a.iso', date: 'iso' }, '2026-03-01T14:05:00.000Z'],
    ['a date from unix seconds', { path: 'a.t', date: 'unix_s', as: 'date' }, '2026-03-01'],
    ['minor units', { path: 'a.n', divide: '100' }, '123.45'],
    ['a sign dropped', { path: 'a.neg', abs: true }, '40.5'],
    ['a number as text', { path: 'a.n', as: 'string' }, '12345'],
    ['upper case', { path: 'a.b', as: 'lowercase' }, 'x'],
  ] as const)('%s', (_, rule, expected) => {
    expect(mapField(rule as never, payload)).toEqual({ value: expected });
  });
  it('explains a value the enum map does not list and a bad time', () => {
    expect(mapField({ path: 'a.b', map: { Y: 'y' } }, payload)).toEqual({ reason: expect.stringMatching(/"X".*enum map/) });
    expect(mapField({ path: 'a.b', date: 'unix_s' }, payload)).toEqual({ reason: expect.stringMatching(/unix time in seconds/) });
  });
});

describe('example mappings', () => {
  it('are valid documents', () => {
    for (const m of [lifecycle, timeline, example('example-workflow-webhook')]) expect(mappingIssues(m)).toEqual([]);
  });

  it('example-crm-lifecycle: numeric KYC codes through the enum map, unix-second times, numeric ids as text', () => {
    const kyc = mapEvent(lifecycle, { id: 'e1', type: 'kyc.updated', created: 1772460300, data: { user: { id: 100234, kyc_status: 2 } } });
    expect(kyc).toEqual({
      status: 'mapped',
      type: 'kyc.updated',
      id: 'e1',
      entity: 'customer',
      records: [{ customer_id: '100234', last_modified_date: '2026-03-02T14:05:00.000Z', kyc_status_id: 'approved' }],
      issues: [],
    });
    const wd = mapEvent(lifecycle, { id: 'e2', type: 'withdrawal.approved', data: { transaction: { id: 9, user_id: 100234, amount: -120.5, currency: 'eur', processed_at: 1772460300 } } });
    expect(wd.status === 'mapped' && wd.records[0]).toMatchObject({ transaction_id: 'wd-9', transaction_type: 'withdrawal', amount: '120.5', currency: 'EUR', status: 'approved' });
    expect(mapEvent(lifecycle, { id: 'e3', type: 'user.logged_in' })).toEqual({ status: 'ignored', type: 'user.logged_in', id: 'e3' });
    const unknownCode = mapEvent(lifecycle, { id: 'e4', type: 'kyc.updated', data: { user: { id: 1, kyc_status: 9 } } });
    expect(unknownCode.status === 'mapped' && unknownCode.issues).toEqual([{ field: 'kyc_status_id', reason: expect.stringMatching(/"9"/) }]);
  });

  it('example-timeline-webhook: upper-case status enums, minor units, RFC 3339 times', () => {
    const dep = mapEvent(timeline, {
      eventId: 'f1',
      eventType: 'DEPOSIT',
      occurredAt: '2026-03-01T15:00:00.250Z',
      payment: { id: 'PAY-1', accountUuid: 'acc-1', amountMinor: 25000, currency: 'EUR', status: 'DONE', method: 'CARD', createdAt: '2026-03-01T15:00:00Z' },
    });
    expect(dep.status === 'mapped' && dep.records[0]).toEqual({
      transaction_id: 'PAY-1',
      customer_id: 'acc-1',
      transaction_type: 'deposit',
      amount: '250',
      currency: 'EUR',
      transaction_date: '2026-03-01T15:00:00.000Z',
      status: 'approved',
      payment_method: 'card',
    });
    const acc = mapEvent(timeline, { eventId: 'f2', eventType: 'ACCOUNT_CREATED', account: { uuid: 'acc-1', createdAt: '2026-03-01T14:00:00Z', verificationStatus: 'PENDING', country: 'GB' } });
    expect(acc.status === 'mapped' && acc.records[0]).toMatchObject({ customer_id: 'acc-1', affiliate_id: '', kyc_status_id: 'pending', signup_date: '2026-03-01T14:00:00.000Z' });
  });
});

describe('mappings through the API and a webhook source', () => {
  let t: TestServer;
  let token: string;
  beforeAll(async () => {
    t = await startTestServer();
    token = await t.token(['admin']);
  });
  afterAll(() => t.stop());

  it('lists the shipped example files and refuses an invalid document naming each field', async () => {
    const list = await t.call('GET', '/api/v1/connectors/mappings', { token });
    expect(list.body.data.map((m: { name: string; origin: string }) => `${m.name}:${m.origin}`)).toEqual(
      expect.arrayContaining(['example-crm-lifecycle:file', 'example-timeline-webhook:file', 'example-workflow-webhook:file']),
    );
    const bad = await t.call('PUT', '/api/v1/connectors/mappings/bad', {
      token,
      body: { name: 'bad', events: { x: { entity: 'partner', fields: { customer_id: { path: 'a', const: 'b' } } } } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((d: { field: string }) => d.field)).toContain('events.x.entity');
    const both = await t.call('PUT', '/api/v1/connectors/mappings/bad', { token, body: { name: 'bad', events: { x: { entity: 'customer', fields: { customer_id: { path: 'a', const: 'b' } } } } } });
    expect(both.body.error.details).toEqual([{ field: 'events.x.fields.customer_id', reason: expect.stringMatching(/exactly one/) }]);
  });

  it('a stored mapping overrides the file; a pending deposit then its approval update one transaction', async () => {
    const doc = { ...timeline, events: { ...timeline.events } };
    const put = await t.call('PUT', '/api/v1/connectors/mappings/example-timeline-webhook', { token, body: doc });
    expect(put.status, put.text).toBe(200);
    expect((await t.call('GET', '/api/v1/connectors/mappings/example-timeline-webhook', { token })).body.data.name).toBe('example-timeline-webhook');
    const src = await t.call('POST', '/api/v1/connectors/sources', { token, body: { id: 'mt', name: 'Timeline', kind: 'webhook', auth: 'signature', mapping: 'example-timeline-webhook' } });
    const hook = new Webhook(src.body.credential.secret);
    const post = (id: string, body: unknown) => {
      const raw = JSON.stringify(body);
      const now = new Date();
      return t.call('POST', '/api/v1/inbound/mt', {
        raw,
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': hook.sign(id, now, raw) },
      });
    };
    expect((await post('a1', { eventId: 'a1', eventType: 'ACCOUNT_CREATED', account: { uuid: 'acc-7', createdAt: '2026-03-01T14:00:00Z', verificationStatus: 'NOT_VERIFIED' } })).status).toBe(200);
    const payment = { id: 'PAY-7', accountUuid: 'acc-7', amountMinor: 10050, currency: 'USD', createdAt: '2026-03-01T15:00:00Z' };
    expect((await post('d1', { eventId: 'd1', eventType: 'DEPOSIT', payment: { ...payment, status: 'PENDING' } })).body.data.result.meta.created).toBe(1);
    expect((await post('d2', { eventId: 'd2', eventType: 'DEPOSIT', payment: { ...payment, status: 'DONE' } })).body.data.result.meta.updated).toBe(1);
    expect((await post('k1', { eventId: 'k1', eventType: 'KYC_STATUS_CHANGED', occurredAt: '2026-03-02T00:00:00Z', account: { uuid: 'acc-7', verificationStatus: 'VERIFIED' } })).status).toBe(200);
    const [tx] = (await t.call('GET', '/api/v1/forex/transactions?customer_id=acc-7', { token })).body.data;
    expect(tx).toMatchObject({ transaction_id: 'PAY-7', amount: '100.5', status: 'approved' });
    const [c] = (await t.call('GET', '/api/v1/forex/customers?kyc_status_id=approved', { token })).body.data;
    expect(c).toMatchObject({ customer_id: 'acc-7', first_deposit_at: '2026-03-01T15:00:00.000Z' });
    const preview = await t.call('POST', '/api/v1/connectors/mappings/example-crm-lifecycle/preview', { token, body: { id: 'p', type: 'kyc.updated', data: { user: { id: 5, kyc_status: 3 } } } });
    expect(preview.body.data.records).toEqual([{ customer_id: '5', kyc_status_id: 'rejected' }]);
  });
});
