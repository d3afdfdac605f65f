import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../test/helpers/server.ts';
import { startDemoServer } from './test-support.ts';

const NOW = '2026-06-15T10:00:00Z';

let t: TestServer;
beforeAll(async () => {
  t = await startDemoServer(NOW);
});
afterAll(() => t.stop());

describe('demo risk cases', () => {
  it('opens one hedging case per side and one linked-accounts case per account, and nothing else; the hedgers\' pay is held', async () => {
    const token = await t.token(['admin']);
    const cases = (await t.call('GET', '/api/v1/risk/cases', { token })).body.data as { subject_id: string; status: string; signals: { signal: string }[] }[];
    expect(cases.map((c) => `${c.subject_id} ${c.signals.map((s) => s.signal).join(',')}`).sort()).toEqual([
      'C-2090 hedging',
      'C-2091 hedging',
      'C-2092 linked_accounts',
      'C-2093 linked_accounts',
    ]);
    const held = (await t.call('GET', '/api/v1/ledger?customer_id=C-2090&per_page=500', { token })).body.data as { status: string; hold_reason: string | null }[];
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((e) => e.status === 'pending' && e.hold_reason === 'risk_review')).toBe(true);
  });
});
