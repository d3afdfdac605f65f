import { describe, expect, it } from 'vitest';
import type { CpaRule } from '../plan-schema.ts';
import { type CpaFacts, cpaStatus } from './cpa.ts';

// The rule: $200 (UAE $1000), FTD ≥ 100 within 24 h, ≥ 5 lots, KYC, all within 90 days.
const rule: CpaRule = {
  type: 'cpa',
  amount: '200',
  country_amounts: { AE: '1000' },
  min_first_deposit: '100',
  ftd_window_hours: 24,
  min_lots: '5',
  qualify_within_days: 90,
  require_kyc: true,
};

const base: CpaFacts = {
  signed_up_at: '2026-03-01T10:00:00Z',
  country: 'DE',
  kyc: { status: 'approved', approved_at: '2026-03-02T09:00:00Z' },
  deposits: [{ at: '2026-03-01T12:00:00Z', amount: '150' }],
  trading: [
    { at: '2026-03-03T15:00:00Z', lots: '2' },
    { at: '2026-03-10T15:00:00Z', lots: '3.5' },
  ],
};
const with_ = (patch: Partial<CpaFacts>): CpaFacts => ({ ...base, ...patch });
const NOW = '2026-04-01T00:00:00Z';

describe('CPA qualification', () => {
  it.each<[string, CpaFacts, string, Record<string, unknown>]>([
    ['all conditions met: qualifies when the last one is met', base, NOW, { status: 'qualified', amount: '200', qualified_at: '2026-03-10T15:00:00.000Z' }],
    ['country amount for the UAE', with_({ country: 'AE' }), NOW, { status: 'qualified', amount: '1000' }],
    ['lower-case country', with_({ country: 'ae' }), NOW, { status: 'qualified', amount: '1000' }],
    [
      'FTD made of two deposits inside 24 h',
      with_({ deposits: [{ at: '2026-03-01T12:00:00Z', amount: '60' }, { at: '2026-03-02T11:00:00Z', amount: '40' }] }),
      NOW,
      { status: 'qualified', progress: expect.objectContaining({ ftd_amount: '100', ftd_met: true }) },
    ],
    [
      'a deposit after the FTD window does not top up the FTD',
      with_({ deposits: [{ at: '2026-03-01T12:00:00Z', amount: '60' }, { at: '2026-03-02T12:00:01Z', amount: '40' }] }),
      NOW,
      { status: 'not_eligible', reason: 'ftd_below_minimum' },
    ],
    ['not enough lots yet', with_({ trading: [{ at: '2026-03-03T15:00:00Z', lots: '2' }] }), NOW, { status: 'pending', amount: '0', cpa_amount: '200' }],
    ['KYC still pending', with_({ kyc: { status: 'pending' } }), NOW, { status: 'pending', progress: expect.objectContaining({ kyc_met: false, lots_met: true, ftd_met: true }) }],
    ['KYC rejected', with_({ kyc: { status: 'rejected' } }), NOW, { status: 'not_eligible', reason: 'kyc_rejected' }],
    ['KYC never started', with_({ kyc: { status: 'none' } }), NOW, { status: 'pending' }],
    ['no deposit yet', with_({ deposits: [] }), NOW, { status: 'pending', progress: expect.objectContaining({ ftd_amount: '0', ftd_window_closes_at: null }) }],
    ['lots reached only after 90 days', with_({ trading: [{ at: '2026-03-03T15:00:00Z', lots: '2' }, { at: '2026-06-01T00:00:00Z', lots: '3' }] }), '2026-07-01T00:00:00Z', { status: 'expired', cpa_amount: '200' }],
    ['window passed with nothing traded', with_({ trading: [] }), '2026-05-31T10:00:01Z', { status: 'expired' }],
    ['still inside the window on the last second', with_({ trading: [] }), '2026-05-30T10:00:00Z', { status: 'pending', progress: expect.objectContaining({ days_left: 0 }) }],
    ['lots traded before sign-up do not count', with_({ trading: [{ at: '2026-02-28T10:00:00Z', lots: '10' }] }), NOW, { status: 'pending', progress: expect.objectContaining({ lots: '0' }) }],
    ['a daily activity row of the sign-up day counts from sign-up', with_({ trading: [{ at: '2026-03-01', lots: '5' }] }), NOW, { status: 'qualified', qualified_at: '2026-03-02T09:00:00.000Z' }],
    ['a charged-back deposit stops counting', with_({ deposits: [{ at: '2026-03-01T12:00:00Z', amount: '150', charged_back: true }] }), NOW, { status: 'pending', progress: expect.objectContaining({ ftd_amount: '0' }) }],
  ])('%s', (_name, facts, now, expected) => {
    expect(cpaStatus(rule, facts, now)).toMatchObject(expected);
  });

  it('makes a country with amount "0" ineligible', () => {
    expect(cpaStatus({ ...rule, country_amounts: { AE: '1000', KP: '0' } }, with_({ country: 'KP' }), NOW)).toMatchObject({
      status: 'not_eligible',
      reason: 'country_not_paid',
    });
  });

  it('qualifies without KYC when the plan does not require it', () => {
    expect(cpaStatus({ ...rule, require_kyc: false }, with_({ kyc: { status: 'none' } }), NOW)).toMatchObject({ status: 'qualified', amount: '200' });
  });

  it('shows pending progress a partner can read', () => {
    const result = cpaStatus(rule, with_({ trading: [{ at: '2026-03-03T15:00:00Z', lots: '2' }] }), '2026-03-20T10:00:00Z');
    expect(result.progress).toEqual({
      ftd_amount: '150',
      min_first_deposit: '100',
      ftd_window_closes_at: '2026-03-02T12:00:00.000Z',
      ftd_met: true,
      lots: '2',
      min_lots: '5',
      lots_met: false,
      kyc_required: true,
      kyc_status: 'approved',
      kyc_met: true,
      deadline: '2026-05-30T10:00:00.000Z',
      days_left: 71,
    });
  });

  it('gives the same answer however late it is recomputed once qualified', () => {
    const early = cpaStatus(rule, base, NOW);
    const late = cpaStatus(rule, base, '2027-01-01T00:00:00Z');
    expect(late).toEqual({ ...early, progress: { ...early.progress, days_left: 0 } });
  });

  it('explains the qualification', () => {
    const { explanation } = cpaStatus(rule, with_({ country: 'AE' }), NOW);
    expect(explanation).toMatchObject({
      rule: 'cpa',
      result: '1000',
      arithmetic: 'FTD 150 vs 100; lots 5.5 vs 5; KYC approved (required); all met at 2026-03-10T15:00:00.000Z, before 2026-05-30T10:00:00.000Z → 1000 (country AE)',
    });
  });
});
