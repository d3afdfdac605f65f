import { describe, expect, it } from 'vitest';
import { Dec } from '../shared/decimal.ts';
import { approvedEventsOf, FACT_DEALS_LIMIT, NAMED_LIMIT } from './events.ts';

const entry = (i: number, amount = '1.25', partner = 'P-1') => ({
  partner_id: partner, currency: 'USD', amount, kind: 'per_lot', customer_id: `c${i}`, fact_date: '2026-11-02',
  source_type: 'activity', source_key: `2026-11-02|c${i}|EURUSD|USD`, instrument: 'EURUSD',
});
const oneDealEach = (key: string) => [{ deal_id: `D-${key.split('|')[1]}`, close_time: '2026-11-02T10:00:00Z' }];
const sum = (events: { data: Record<string, unknown> }[]) => events.reduce((s, e) => s.plus(e.data.amount as string), new Dec(0)).toFixed();

describe('commission.approved names everything it pays for', () => {
  it('announces a small run as one part, named in full', () => {
    const events = approvedEventsOf([entry(1), entry(2)], { run_id: 7 }, oneDealEach);
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ amount: '2.5', part: 1, parts: 1, named_in_full: true, run_id: 7, deal_ids: ['D-c1', 'D-c2'], customer_ids: ['c1', 'c2'] });
  });

  it.each([
    [NAMED_LIMIT, 1],
    [NAMED_LIMIT + 1, 2],
    [250, 3],
  ])('splits %i facts with a deal each into %i parts that name every deal once and sum to the whole', (n, parts) => {
    const entries = Array.from({ length: n }, (_, i) => entry(i));
    const events = approvedEventsOf(entries, {}, oneDealEach);
    expect(events).toHaveLength(parts);
    const named = events.flatMap((e) => e.data.deal_ids as string[]);
    expect(named).toHaveLength(n);
    expect(new Set(named).size).toBe(n);
    expect(sum(events)).toBe(new Dec('1.25').times(n).toFixed());
    for (const e of events) {
      expect((e.data.deal_ids as string[]).length).toBeLessThanOrEqual(NAMED_LIMIT);
      expect(e.data).toMatchObject({ parts, named_in_full: true });
    }
    expect(events.map((e) => e.data.part)).toEqual(Array.from({ length: parts }, (_, i) => i + 1));
  });

  it('keeps entries not built from activity (CPA) in the first part', () => {
    const cpa = { partner_id: 'P-1', currency: 'USD', amount: '200', kind: 'cpa', customer_id: 'x', fact_date: '2026-11-01', source_type: 'customer', source_key: 'x' };
    const events = approvedEventsOf([...Array.from({ length: 150 }, (_, i) => entry(i)), cpa], {}, oneDealEach);
    expect(events[0].data.kinds).toEqual(['cpa', 'per_lot']);
    expect(sum(events)).toBe('387.5');
  });

  it('names the newest deals of a fact with more than the limit, and says it is not in full', () => {
    const many = Array.from({ length: FACT_DEALS_LIMIT + 5 }, (_, k) => ({ deal_id: `D${k}`, close_time: new Date(Date.UTC(2026, 10, 2, 0, 0, k)).toISOString() }));
    const [e] = approvedEventsOf([entry(1)], {}, () => many);
    expect(e.data.named_in_full).toBe(false);
    expect((e.data.deal_ids as string[])[0]).toBe(`D${FACT_DEALS_LIMIT + 4}`);
    expect(e.data.deal_ids).toHaveLength(FACT_DEALS_LIMIT);
  });

  it('announces nothing for a partner whose run nets to zero, and one event per partner and currency', () => {
    const events = approvedEventsOf([entry(1, '5'), { ...entry(2, '-5') }, entry(3, '2', 'P-2'), { ...entry(4, '3', 'P-2'), currency: 'EUR' }], {});
    expect(events.map((e) => [e.subjectId, e.data.currency, e.data.amount])).toEqual([['P-2', 'EUR', '3'], ['P-2', 'USD', '2']]);
  });
});
