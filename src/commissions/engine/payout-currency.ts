import type { Sql } from '../../db/index.ts';
import { Dec } from '../../shared/decimal.ts';
import { explain } from '../maths/explanation.ts';
import type { DesiredEntry } from './desired.ts';

interface Quotes {
  direct: string | null;
  inverse: string | null;
  f_usd: string | null;
  usd_f: string | null;
  usd_t: string | null;
  t_usd: string | null;
}

/**
 * Converts with the stored quote in the direction it was given: multiply by from→to, divide by
 * to→from (so 6 USD at EUR/USD 1.2 is exactly 5 EUR), or go through USD. Undefined without quotes.
 */
export function convert(amount: string, from: string, to: string, q: Quotes): { amount: string; arithmetic: string } | undefined {
  if (q.direct) return { amount: new Dec(amount).times(q.direct).toFixed(), arithmetic: `${amount} ${from} × ${q.direct} (${from}/${to})` };
  if (q.inverse) return { amount: new Dec(amount).div(q.inverse).toFixed(), arithmetic: `${amount} ${from} ÷ ${q.inverse} (${to}/${from})` };
  const toUsd =
    from === 'USD'
      ? { v: new Dec(amount), text: `${amount} USD` }
      : q.f_usd
        ? { v: new Dec(amount).times(q.f_usd), text: `${amount} ${from} × ${q.f_usd} (${from}/USD)` }
        : q.usd_f
          ? { v: new Dec(amount).div(q.usd_f), text: `${amount} ${from} ÷ ${q.usd_f} (USD/${from})` }
          : undefined;
  if (!toUsd) return undefined;
  if (to === 'USD') return { amount: toUsd.v.toFixed(), arithmetic: toUsd.text };
  if (q.usd_t) return { amount: toUsd.v.times(q.usd_t).toFixed(), arithmetic: `${toUsd.text} × ${q.usd_t} (USD/${to})` };
  if (q.t_usd) return { amount: toUsd.v.div(q.t_usd).toFixed(), arithmetic: `${toUsd.text} ÷ ${q.t_usd} (${to}/USD)` };
  return undefined;
}

const CENTS: Record<string, string> = { USC: 'USD', EUC: 'EUR' };

/**
 * Converts earnings into each partner's payout currency at the rates of the fact's day. Without a
 * rate the earning stays in its own currency, held with reason missing_fx_rate: never a guess.
 * When the rate arrives, the next run replaces it with the converted amount.
 */
export async function toPayoutCurrency(db: Sql, earned: DesiredEntry[], payoutCurrency: Map<string, string>): Promise<DesiredEntry[]> {
  const target = (e: DesiredEntry) => payoutCurrency.get(e.partner_id) ?? e.currency;
  // Cent-account amounts (USC, EUC) become their unit currency first: a hundredth, on every day.
  const entries = earned.map((e) => {
    const unit = CENTS[e.currency];
    if (!unit || target(e) === e.currency) return e;
    const amount = new Dec(e.amount).div(100).toFixed();
    return {
      ...e,
      currency: unit,
      amount,
      explanation: explain({
        rule: 'cent_conversion',
        inputs: { amount: e.amount, from: e.currency, to: unit },
        formula: `cents ÷ 100 (1 ${e.currency} = 0.01 ${unit})`,
        arithmetic: `${e.amount} ÷ 100 = ${amount} ${unit}`,
        result: amount,
        steps: [e.explanation],
      }),
    };
  });
  const needed = new Map<string, { d: string; f: string; t: string }>();
  for (const e of entries) {
    const t = target(e);
    if (t !== e.currency) needed.set(`${e.fact_date}|${e.currency}|${t}`, { d: e.fact_date, f: e.currency, t });
  }
  const quotes = new Map<string, Quotes>();
  if (needed.size) {
    const list = [...needed.values()];
    const rows = await db.query<Quotes & { d: string; f: string; t: string }>(
      `SELECT k.d::text AS d, k.f, k.t,
         (SELECT rate FROM fx_rates WHERE date = k.d AND base = k.f AND quote = k.t) AS direct,
         (SELECT rate FROM fx_rates WHERE date = k.d AND base = k.t AND quote = k.f) AS inverse,
         (SELECT rate FROM fx_rates WHERE date = k.d AND base = k.f AND quote = 'USD') AS f_usd,
         (SELECT rate FROM fx_rates WHERE date = k.d AND base = 'USD' AND quote = k.f) AS usd_f,
         (SELECT rate FROM fx_rates WHERE date = k.d AND base = 'USD' AND quote = k.t) AS usd_t,
         (SELECT rate FROM fx_rates WHERE date = k.d AND base = k.t AND quote = 'USD') AS t_usd
       FROM unnest($1::date[], $2::text[], $3::text[]) AS k(d, f, t)`,
      [list.map((x) => x.d), list.map((x) => x.f), list.map((x) => x.t)],
    );
    for (const r of rows) quotes.set(`${r.d}|${r.f}|${r.t}`, r);
  }
  return entries.map((e) => {
    const t = target(e);
    if (t === e.currency) return e;
    const q = quotes.get(`${e.fact_date}|${e.currency}|${t}`);
    const converted = q ? convert(e.amount, e.currency, t, q) : undefined;
    if (!converted) {
      return {
        ...e,
        hold_reason: 'missing_fx_rate',
        explanation: { ...e.explanation, notes: [...(e.explanation.notes ?? []), `no ${e.currency}→${t} rate for ${e.fact_date}; held in ${e.currency} until one is loaded`] },
      };
    }
    return {
      ...e,
      currency: t,
      amount: converted.amount,
      explanation: explain({
        rule: 'fx_conversion',
        inputs: { amount: e.amount, from: e.currency, to: t, date: e.fact_date },
        formula: 'amount converted at the rates of the fact\'s day',
        arithmetic: `${converted.arithmetic} = ${converted.amount} ${t}`,
        result: converted.amount,
        steps: [e.explanation],
      }),
    };
  });
}
