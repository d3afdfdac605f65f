import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../test/helpers/server.ts';
import { startDemoServer } from './test-support.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startDemoServer('2026-07-01T08:00:00Z', { OPENIB_COMMISSIONS_AUTO: '0', OPENIB_PUBLIC_REGISTER: '1' });
}, 180_000);
afterAll(() => t.stop());

describe('demo compliance', () => {
  it('has partners in every verification state, terms v1 and v2, a statement held by a payout gate, and the public register', async () => {
    const token = await t.token(['admin']);
    const queue = (await t.call('GET', '/api/v1/compliance/verifications', { token })).body.data as { partner_name: string; status: string }[];
    const state = Object.fromEntries(queue.map((q) => [q.partner_name, q.status]));
    expect(state).toMatchObject({
      'Atlas Partners Ltd': 'approved',
      'Blue Harbor Trading': 'approved',
      'Coral Markets': 'submitted',
      'Falcon Media': 'not_started',
      'Gamma Finanzas': 'more_requested',
      'Delta Signals': 'rejected',
      'Eagle Trading Academy': 'expired',
    });
    const terms = (await t.call('GET', '/api/v1/compliance/terms?programme_id=regulated', { token })).body.data as { version: number; language: string }[];
    expect(terms.map((x) => `${x.version}/${x.language}`)).toEqual(['2/en', '2/es', '1/en']);

    const runs = (await t.call('GET', '/api/v1/payout-runs', { token })).body.data as { period: string; run_id: string }[];
    const review = (await t.call('GET', `/api/v1/payout-runs/${runs.find((r) => r.period === '2026-05')!.run_id}`, { token })).body;
    const held = review.statements.filter((s: any) => s.compliance_hold);
    expect(held.map((s: any) => s.partner_name)).toEqual(['Coral Markets']);
    expect(held[0]).toMatchObject({ status: 'carried', compliance_hold: expect.stringMatching(/verification is submitted, not approved; partner terms version 2 not accepted; no tax form/) });
    expect(review.statements.filter((s: any) => !s.compliance_hold).every((s: any) => s.terms_version === 2)).toBe(true);

    const register = (await t.call('GET', '/register.json')).body;
    expect(register.current.map((e: any) => e.name)).toContain('Atlas Partners Ltd');
    expect(register.terminated).toEqual([expect.objectContaining({ name: 'Harbor Lights Media', until: '2026-06-30' })]);
  });
});
