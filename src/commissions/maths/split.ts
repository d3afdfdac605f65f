import { Dec } from '../../shared/decimal.ts';
import type { SplitLevel } from '../plan-schema.ts';
import { explain, type LevelEarning } from './explanation.ts';

/**
 * Split mode: one pool, computed from the owner's plan, divided by level percents. `chain[0]` is the
 * owner (level 0), `chain[1]` its parent, … A level with no partner (a short chain) is kept by the
 * broker, or with `unclaimed: 'top_partner'` added to the topmost partner present.
 */
export function splitPool(input: {
  pool: string;
  levels: readonly SplitLevel[];
  chain: readonly string[];
  unclaimed?: 'broker' | 'top_partner';
}): LevelEarning[] {
  const { pool, chain } = input;
  const top = chain.length - 1;
  const shares = new Map<number, { percent: Dec; notes: string[] }>();
  for (const l of input.levels) if (l.level <= top) shares.set(l.level, { percent: new Dec(l.percent), notes: [] });

  const missing = input.levels.filter((l) => l.level > top);
  if (missing.length && input.unclaimed === 'top_partner') {
    const moved = missing.reduce((sum, l) => sum.plus(l.percent), new Dec(0));
    const share = shares.get(top) ?? { percent: new Dec(0), notes: [] };
    share.percent = share.percent.plus(moved);
    share.notes.push(`includes ${moved.toFixed()}% of level(s) ${missing.map((m) => m.level).join(', ')}, which have no partner in this chain`);
    shares.set(top, share);
  }

  return [...shares.entries()]
    .sort(([a], [b]) => a - b)
    .map(([level, { percent, notes }]) => {
      const amount = new Dec(pool).times(percent).div(100).toFixed();
      return {
        level,
        partner_id: chain[level],
        amount,
        explanation: explain({
          rule: 'split',
          inputs: { level, pool, percent: percent.toFixed() },
          formula: 'pool × level percent ÷ 100',
          arithmetic: `${pool} × ${percent.toFixed()} ÷ 100 = ${amount}`,
          result: amount,
          notes,
        }),
      };
    });
}
