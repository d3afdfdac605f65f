import { describe, expect, it } from 'vitest';
import { workOf } from './dirty.ts';

const TZ = 'UTC';
const TODAY = '2026-03-20';
const activity = (customers: string[], from: string, to = from) => ({ type: 'activity.upserted', data: { customer_ids: customers, date_from: from, date_to: to } });

describe('workOf: which recomputation a batch of outbox events asks for', () => {
  it.each([
    ['nothing for events that change no pay', [{ type: 'link.clicked', data: {} }, { type: 'customer.updated', data: { changed: ['email'], customer: { customer_id: 'c1', signup_date: '2026-01-05T00:00:00Z' } } }], { customers: [] }],
    ['one incremental run for a batch of today\'s activity', [activity(['c2', 'c1'], TODAY)], { customers: [{ from: TODAY, to: TODAY, customers: ['c1', 'c2'] }] }],
    ['batches with the same dates share a run', [activity(['c1'], TODAY), activity(['c3', 'c1'], TODAY)], { customers: [{ from: TODAY, to: TODAY, customers: ['c1', 'c3'] }] }],
    ['batches with other dates get their own run', [activity(['c1'], '2026-03-02'), activity(['c2'], TODAY)], { customers: [{ from: '2026-03-02', to: '2026-03-02', customers: ['c1'] }, { from: TODAY, to: TODAY, customers: ['c2'] }] }],
    ['a deposit: its customer on its business day', [{ type: 'transaction.created', data: { transaction: { customer_id: 'c9', transaction_date: '2026-03-04T23:30:00Z' } } }], { customers: [{ from: '2026-03-04', to: '2026-03-04', customers: ['c9'] }] }],
    ['a KYC change: the customer from its signup up to today', [{ type: 'customer.updated', data: { changed: ['kyc_status_id'], customer: { customer_id: 'c1', signup_date: '2026-01-05T10:00:00Z' } } }], { customers: [{ from: '2026-01-05', to: TODAY, customers: ['c1'] }] }],
    ['a reassignment: the customer from its effective date up to today', [{ type: 'customer.reassigned', data: { customer_id: 'c7', effective_from: '2026-02-10T00:00:00Z' } }], { customers: [{ from: '2026-02-10', to: TODAY, customers: ['c7'] }] }],
    ['a plan version: whole months for everyone', [{ type: 'plan.version_created', data: { effective_from: '2026-02-01' } }], { full: { from: '2026-02-01', to: TODAY }, customers: [] }],
    ['a tree move: whole months, and incremental work inside them is dropped', [activity(['c1'], '2026-03-02'), { type: 'partner.moved', data: { effective_from: '2026-03-01T00:00:00Z' } }, activity(['c2'], '2026-02-27')], { full: { from: '2026-03-01', to: TODAY }, customers: [{ from: '2026-02-27', to: '2026-02-27', customers: ['c2'] }] }],
    ['fx rates: whole months of their dates', [{ type: 'fx_rates.updated', data: { date_from: '2026-03-01', date_to: '2026-03-03' } }], { full: { from: '2026-03-01', to: '2026-03-03' }, customers: [] }],
    ['a customer event without a customer id: whole months', [{ type: 'activity.upserted', data: { date_from: TODAY, date_to: TODAY } }], { full: { from: TODAY, to: TODAY }, customers: [] }],
  ])('%s', (_name, events, expected) => {
    expect(workOf(events, TZ, TODAY)).toEqual({ full: undefined, ...expected });
  });
});
