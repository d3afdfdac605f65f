import { Dec } from '../../shared/decimal.ts';
import type { OverrideLevel } from '../plan-schema.ts';
import { explain, type LevelEarning } from './explanation.ts';

/**
 * Override mode: the owner earns its own plan; the ancestor at level n earns a fixed amount per lot
 * or a percent of what level n − 1 earned on the same fact. `owner_earning` is the owner's per-lot
 * earning after any client rebate, so a rebate lowers the percent overrides above it too.
 * `ancestors[0]` is level 1 (the owner's parent). Levels without configuration earn nothing and
 * are left out; a percent level above one of them is then a percent of zero.
 */
export function overrideEarnings(input: {
  lots: string;
  owner_earning: string;
  levels: readonly OverrideLevel[];
  ancestors: readonly string[];
}): LevelEarning[] {
  const { lots, levels, ancestors } = input;
  const out: LevelEarning[] = [];
  let childEarning = new Dec(input.owner_earning);
  ancestors.forEach((partner_id, i) => {
    const level = i + 1;
    const config = levels.find((l) => l.level === level);
    if (!config) {
      childEarning = new Dec(0);
      return;
    }
    const childText = childEarning.toFixed();
    const earned =
      config.per_lot !== undefined ? new Dec(lots).times(config.per_lot) : childEarning.times(config.percent_of_child ?? 0).div(100);
    const amount = earned.toFixed();
    out.push({
      level,
      partner_id,
      amount,
      explanation:
        config.per_lot !== undefined
          ? explain({
              rule: 'override',
              inputs: { level, lots, per_lot: config.per_lot },
              formula: 'lots × override per lot',
              arithmetic: `${lots} × ${config.per_lot} = ${amount}`,
              result: amount,
            })
          : explain({
              rule: 'override',
              inputs: { level, child_earning: childText, percent_of_child: config.percent_of_child ?? '0' },
              formula: `what level ${level - 1} earned × percent ÷ 100`,
              arithmetic: `${childText} × ${config.percent_of_child} ÷ 100 = ${amount}`,
              result: amount,
            }),
    });
    childEarning = earned;
  });
  return out;
}
