import { describe, expect, it } from 'vitest';
import { workOf } from './dirty.ts';

const TZ = 'UTC';
const TODAY = '2026-03-20';
const cell = (customer_id: string, from: string, to = from) => ({ customer_id, from, to });
const activity = (customers: string[], from: string, to = from) => ({ type: 'activity.upserted', data: { customer_ids: customers, date_from: from, date_to: to } });

describe('workOf: which recomputation a batch of outbox events asks for', () => {
  it.each([
    ['nothing for events that change no pay', [{ type: 'link.clicked', data: {} }, { type: 'customer.updated', data: { changed: ['email'], customer: { customer_id: 'c1', signup_date: '2026-01-05T00:00:00Z' } } }], { cells: [] }],
    ['a batch of today\'s activity: its customers today', [activity(['c2', 'c1'], TODAY)], { cells: [cell('c1', TODAY), cell('c2', TODAY)] }],
    ['a customer in two batches of the same day: once', [activity(['c1'], TODAY), activity(['c3', 'c1'], TODAY)], { cells: [cell('c1', TODAY), cell('c3', TODAY)] }],
    ['batches of other days: each customer on its own days', [activity(['c1'], '2026-03-02'), activity(['c2', 'c1'], TODAY)], { cells: [cell('c1', '2026-03-02'), cell('c1', TODAY), cell('c2', TODAY)] }],
    ['adjacent and overlapping days of a customer merge', [activity(['c1'], '2026-03-02', '2026-03-04'), activity(['c1'], '2026-03-05'), activity(['c1'], '2026-03-03')], { cells: [cell('c1', '2026-03-02', '2026-03-05')] }],
    ['a deposit: its customer on its business day', [{ type: 'transaction.created', data: { transaction: { customer_id: 'c9', transaction_date: '2026-03-04T23:30:00Z' } } }], { cells: [cell('c9', '2026-03-04')] }],
    ['a KYC change: the customer from its signup up to today', [{ type: 'customer.updated', data: { changed: ['kyc_status_id'], customer: { customer_id: 'c1', signup_date: '2026-01-05T10:00:00Z' } } }], { cells: [cell('c1', '2026-01-05', TODAY)] }],
    ['a reassignment: the customer from its effective date up to today', [{ type: 'customer.reassigned', data: { customer_id: 'c7', effective_from: '2026-02-10T00:00:00Z' } }], { cells: [cell('c7', '2026-02-10', TODAY)] }],
    ['a plan version: whole months for everyone', [{ type: 'plan.version_created', data: { effective_from: '2026-02-01' } }], { full: { from: '2026-02-01', to: TODAY }, cells: [] }],
    ['a tree move: whole months, and cells inside them are dropped', [activity(['c1'], '2026-03-02'), { type: 'partner.moved', data: { effective_from: '2026-03-01T00:00:00Z' } }, activity(['c2'], '2026-02-27')], { full: { from: '2026-03-01', to: TODAY }, cells: [cell('c2', '2026-02-27')] }],
    ['fx rates: whole months of their dates', [{ type: 'fx_rates.updated', data: { date_from: '2026-03-01', date_to: '2026-03-03' } }], { full: { from: '2026-03-01', to: '2026-03-03' }, cells: [] }],
    ['a customer event without a customer id: whole months', [{ type: 'activity.upserted', data: { date_from: TODAY, date_to: TODAY } }], { full: { from: TODAY, to: TODAY }, cells: [] }],
  ])('%s', (_name, events, expected) => {
    expect(workOf(events, TZ, TODAY)).toEqual({ full: undefined, ...expected });
  });
});
