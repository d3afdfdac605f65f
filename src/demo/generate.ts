import type { Database } from '../db/index.ts';
import { upsertFxRates } from '../fx/rates.ts';
import { upsertActivity } from '../ingest/activity.ts';
import { upsertCustomers } from '../ingest/customers.ts';
import type { ActivityRecord } from '../ingest/specs.ts';
import { upsertTransactions } from '../ingest/transactions.ts';
import { createPartner } from '../partners/partners.ts';

export interface GenerateOptions {
  partners: number;
  depth: number;
  customers: number;
  days: number;
  seed: number;
  /** Last business date of the data, YYYY-MM-DD (default: today, UTC). */
  until?: string;
  /** Prefix of every generated id, so several sets can live side by side. */
  prefix?: string;
  onProgress?: (line: string) => void;
}

/** mulberry32: a small deterministic PRNG, so a seed always gives the same broker. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSTRUMENTS = [
  { symbol: 'EURUSD', weight: 30, notional: 100_000 },
  { symbol: 'GBPUSD', weight: 12, notional: 127_000 },
  { symbol: 'USDJPY', weight: 10, notional: 100_000 },
  { symbol: 'XAUUSD', weight: 25, notional: 230_000 },
  { symbol: 'US30', weight: 10, notional: 40_000 },
  { symbol: 'BTCUSD', weight: 8, notional: 65_000 },
  { symbol: 'NAS100', weight: 5, notional: 19_000 },
];
const CURRENCIES = [{ code: 'USD', weight: 70, usd: 1 }, { code: 'EUR', weight: 20, usd: 1.08 }, { code: 'GBP', weight: 10, usd: 1.27 }];
const COUNTRIES = ['AE', 'TH', 'VN', 'BR', 'NG', 'ZA', 'MY', 'IN', 'GB', 'DE'];
const BATCH = 5000;

const dayOf = (until: string, offset: number) => new Date(Date.parse(`${until}T00:00:00Z`) - offset * 86_400_000).toISOString().slice(0, 10);

/**
 * A large broker for benchmarks and demos, deterministic for a seed: a partner tree of the given
 * depth where a few IBs bring most clients (Zipf-like), most clients never deposit, lots are
 * long-tailed, several instruments and deposit currencies. Written through the same bulk ingest and
 * partner functions as the API (set-based batches), so every fact has its events.
 */
export async function generateBroker(db: Database, o: GenerateOptions): Promise<{ partners: number; customers: number; transactions: number; activity: number }> {
  const rnd = prng(o.seed);
  const pick = <T extends { weight: number }>(list: T[]) => {
    let r = rnd() * list.reduce((s, x) => s + x.weight, 0);
    for (const x of list) if ((r -= x.weight) < 0) return x;
    return list[list.length - 1];
  };
  const until = o.until ?? new Date().toISOString().slice(0, 10);
  const prefix = o.prefix ?? 'gen';
  const progress = o.onProgress ?? (() => {});

  // Partners: level by level, each one's parent drawn from the level above, biased to early (large) IBs.
  const affiliates: string[] = [];
  const levels: string[][] = [];
  await db.transaction(async (tx) => {
    for (let i = 0; i < o.partners; i++) {
      const level = i === 0 ? 0 : Math.min(o.depth - 1, Math.floor(rnd() ** 0.6 * o.depth));
      const above = levels[level - 1] ?? [];
      const parentId = level === 0 || !above.length ? null : above[Math.floor(rnd() ** 2 * above.length)];
      const lvl = parentId ? level : 0;
      const affiliateId = `${prefix}-ib-${i}`;
      const p = await createPartner(tx, { name: `Generated IB ${i}`, affiliateId, parentId, country: COUNTRIES[i % COUNTRIES.length], maxLevels: Math.max(o.depth, 1) + 1 });
      (levels[lvl] ??= []).push(p.partner_id);
      affiliates.push(affiliateId);
      if (i % 250 === 0) progress(`partners ${i}/${o.partners}`);
    }
  });
  // Rates for every day, so every deposit converts to USD.
  const rates: { date: string; base: string; quote: string; rate: string; source: string }[] = [];
  for (let d = 0; d < o.days; d++)
    for (const c of CURRENCIES.filter((c) => c.code !== 'USD')) rates.push({ date: dayOf(until, d), base: c.code, quote: 'USD', rate: (c.usd * (1 + (rnd() - 0.5) * 0.02)).toFixed(5), source: 'generator' });
  for (let i = 0; i < rates.length; i += BATCH) await db.transaction((tx) => upsertFxRates(tx, rates.slice(i, i + BATCH) as never));

  // Customers: Zipf-like owner, signup spread over the period; ~30% deposit, of those ~90% trade.
  const weights = affiliates.map((_, i) => 1 / (i + 1) ** 1.1);
  const cumulative: number[] = [];
  weights.reduce((s, w, i) => (cumulative[i] = s + w), 0);
  const ownerIndex = () => {
    const r = rnd() * cumulative[cumulative.length - 1];
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  interface Trader { id: string; signupOffset: number; ftdOffset: number; currency: (typeof CURRENCIES)[number]; activity: number; instruments: (typeof INSTRUMENTS)[number][] }
  const traders: Trader[] = [];
  let transactions = 0;
  for (let start = 0; start < o.customers; start += BATCH) {
    const customers: Record<string, string>[] = [];
    const txs: { transaction_id: string; customer_id: string; transaction_type: 'deposit' | 'withdrawal'; amount: string; currency: string; transaction_date: string; status: 'approved' }[] = [];
    for (let i = start; i < Math.min(o.customers, start + BATCH); i++) {
      const id = `${prefix}-c-${i}`;
      const signupOffset = Math.floor(rnd() ** 0.6 * o.days);
      customers.push({
        customer_id: id, signup_date: `${dayOf(until, signupOffset)}T${String(Math.floor(rnd() * 24)).padStart(2, '0')}:00:00.000Z`,
        affiliate_id: affiliates[ownerIndex()], country_code: COUNTRIES[Math.floor(rnd() * COUNTRIES.length)], kyc_status_id: rnd() < 0.85 ? 'approved' : 'pending',
        first_name: `Gen${i}`, last_name: 'Trader', email: `gen${i}@example.com`,
      });
      if (rnd() >= 0.3) continue;
      const currency = pick(CURRENCIES);
      const ftdOffset = Math.max(0, signupOffset - Math.floor(rnd() * 5));
      const amount = () => (Math.round(100 * Math.exp(rnd() * 4)) / (currency.usd)).toFixed(2);
      const deposits = 1 + Math.floor(-Math.log(1 - rnd()) * 2);
      for (let k = 0; k < deposits; k++) {
        const offset = k === 0 ? ftdOffset : Math.floor(rnd() * (ftdOffset + 1));
        txs.push({ transaction_id: `${id}-d${k}`, customer_id: id, transaction_type: 'deposit' as const, amount: amount(), currency: currency.code, transaction_date: `${dayOf(until, offset)}T12:00:00.000Z`, status: 'approved' as const });
      }
      if (rnd() < 0.3) txs.push({ transaction_id: `${id}-w0`, customer_id: id, transaction_type: 'withdrawal' as const, amount: (Number(txs[txs.length - 1].amount) / 2).toFixed(2), currency: currency.code, transaction_date: `${dayOf(until, Math.floor(rnd() * (ftdOffset + 1)))}T21:00:00.000Z`, status: 'approved' as const });
      // Nine in ten depositors trade, each in one to four instruments (the popular ones more often).
      if (rnd() < 0.9) {
        const instruments = [...new Set([pick(INSTRUMENTS), pick(INSTRUMENTS), pick(INSTRUMENTS), pick(INSTRUMENTS)])].slice(0, 1 + Math.floor(rnd() * 4));
        traders.push({ id, signupOffset, ftdOffset, currency, activity: 0.5 + rnd() * 0.5, instruments });
      }
    }
    await db.transaction(async (tx) => {
      await upsertCustomers(tx, customers as never);
      await upsertTransactions(tx, txs as never);
    });
    transactions += txs.length;
    progress(`customers ${Math.min(o.customers, start + BATCH)}/${o.customers}, transactions ${transactions}`);
  }

  // Trading, day by day (oldest first): each trader on a share of the days since its first deposit.
  // On a server, batches are written over two connections at once while the next one is built:
  // the rows of two batches never share a key, so the order of their commits does not matter.
  let activity = 0;
  let batch: ActivityRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const parallel = db.kind === 'postgres' ? 2 : 1;
  let failed: unknown;
  const flush = async () => {
    if (!batch.length) return;
    const rows = batch;
    batch = [];
    const write: Promise<void> = db.transaction((tx) => upsertActivity(tx, rows)).then(() => {
      activity += rows.length;
    });
    inFlight.add(write);
    write.then(
      () => inFlight.delete(write),
      (err: unknown) => {
        inFlight.delete(write);
        failed ??= err;
      },
    );
    if (inFlight.size >= parallel) await Promise.race(inFlight).catch(() => {});
    if (failed) throw failed;
  };
  for (let d = o.days - 1; d >= 0; d--) {
    const date = dayOf(until, d);
    for (const t of traders) {
      if (t.ftdOffset < d || rnd() > t.activity) continue;
      for (const ins of t.instruments) {
        const lots = Math.max(0.01, Math.round(100 * (-Math.log(1 - rnd())) ** 2 * 1.5) / 100);
        batch.push({ date, customer_id: t.id, instrument: ins.symbol, currency: 'USD', lots_traded: lots.toFixed(2), volume_usd: (lots * ins.notional).toFixed(0), spread_cost: (lots * 7).toFixed(2), commission: (lots * 3.5).toFixed(2), pnl: ((rnd() - 0.52) * lots * 400).toFixed(2) } as ActivityRecord);
        if (batch.length >= BATCH) await flush();
      }
    }
    await flush();
    if (d % 10 === 0) progress(`activity day ${o.days - d}/${o.days}, ${activity} rows`);
  }
  await Promise.allSettled(inFlight);
  if (failed) throw failed;
  return { partners: o.partners, customers: o.customers, transactions, activity };
}
