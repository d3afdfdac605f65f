/** The pure commission maths: plain functions over plain data, each returning an amount and its explanation. */
export * from './client-rebate.ts';
export * from './cpa.ts';
export * from './deals.ts';
export * from './differential.ts';
export * from './exclusions.ts';
export * from './explanation.ts';
export * from './money.ts';
export * from './override.ts';
export * from './per-lot.ts';
export * from './per-notional.ts';
export * from './revenue-share.ts';
export * from './split.ts';
export * from './tiered.ts';
