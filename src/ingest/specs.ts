import type { FieldSpec } from './fields.ts';

export const TRANSACTION_TYPES = ['deposit', 'withdrawal', 'ib_rebate', 'bonus', 'adjustment', 'chargeback'] as const;
export const TRANSACTION_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

export const CUSTOMER_FIELDS: readonly FieldSpec[] = [
  { name: 'customer_id', kind: 'id', required: true, description: 'The broker\'s stable id of the trader; immutable.', example: 'C-100045' },
  { name: 'signup_date', kind: 'datetime', required: true, description: 'When the trader registered (ISO 8601; no zone means UTC).', example: '2026-03-01T14:05:00Z' },
  { name: 'last_modified_date', kind: 'datetime', description: 'When the broker last changed the record. A record older than the stored one does not overwrite it.', example: '2026-03-02T09:00:00Z' },
  { name: 'affiliate_id', kind: 'text', required: true, description: 'The referring IB/affiliate as the CRM knows it; an empty string means none (organic).', example: 'IB-2001' },
  { name: 'campaign_id', kind: 'text', description: 'Campaign that drove the registration.' },
  { name: 'click_id', kind: 'text', description: 'Click identifier from an OpenIB tracking link.' },
  { name: 'lang_id', kind: 'language', description: 'ISO 639-1 language code.', example: 'en' },
  { name: 'country_code', kind: 'country', description: 'ISO 3166-1 alpha-2 country.', example: 'AE' },
  { name: 'kyc_status_id', kind: 'text', description: 'KYC status as the CRM names it (for example pending, approved, rejected).', example: 'approved' },
  { name: 'sales_status_id', kind: 'text', description: 'Sales pipeline status.' },
  { name: 'trading_account_type', kind: 'text', description: 'Account type, e.g. standard, ECN, micro, demo.', example: 'ECN' },
  { name: 'leverage', kind: 'text', maxLength: 20, description: 'Account leverage such as "1:500".', example: '1:500' },
  { name: 'first_name', kind: 'text', description: 'Personal data; optional.' },
  { name: 'last_name', kind: 'text', description: 'Personal data; optional.' },
  { name: 'email', kind: 'email', description: 'Personal data; optional. Never used as a key.' },
  { name: 'phone', kind: 'text', maxLength: 40, description: 'Personal data; optional. Stored encrypted.', example: '+971 50 123 4567' },
  { name: 'address', kind: 'text', maxLength: 500, description: 'Personal data; optional (postal address on one line). Stored encrypted.' },
  { name: 'signup_ip', kind: 'ip', description: 'Address the trader registered from (IPv4 or IPv6); optional. Only its network prefix (/24 or /64) is kept, as a keyed hash, to find linked accounts and sign-up bursts (docs/risk.md).', example: '203.0.113.45' },
  { name: 'device_id', kind: 'text', maxLength: 200, description: 'Device fingerprint or id seen at sign-up; optional. Kept only as a keyed hash (docs/risk.md).', example: 'dev-7f3a9c' },
  { name: 'payment_fingerprint', kind: 'text', maxLength: 200, description: 'Fingerprint of the payment instrument of the first deposit (card or wallet token from the PSP, never the number); optional. Kept only as a keyed hash (docs/risk.md).', example: 'pm_fp_4c1d88' },
];

export interface CustomerRecord {
  customer_id: string;
  signup_date: string;
  last_modified_date?: string;
  affiliate_id: string;
  campaign_id?: string;
  click_id?: string;
  lang_id?: string;
  country_code?: string;
  kyc_status_id?: string;
  sales_status_id?: string;
  trading_account_type?: string;
  leverage?: string;
  first_name?: string;
  last_name?: string;
  email?: string;
  phone?: string;
  address?: string;
  signup_ip?: string;
  device_id?: string;
  payment_fingerprint?: string;
}

export const TRANSACTION_FIELDS: readonly FieldSpec[] = [
  { name: 'transaction_id', kind: 'id', required: true, description: 'The broker\'s id of the transaction. Re-send the same id to change its status.', example: 'T-9001' },
  { name: 'customer_id', kind: 'id', required: true, description: 'An existing customer.', example: 'C-100045' },
  { name: 'transaction_type', kind: 'enum', values: TRANSACTION_TYPES, required: true, description: 'What kind of money movement this is.', example: 'deposit' },
  {
    name: 'amount',
    aliases: ['amount_currency'],
    kind: 'decimal',
    required: true,
    description: 'Amount in `currency`, as a decimal (≤ 15 significant digits). `amount_currency` is accepted as the same field. Negative only for adjustments.',
    example: '250.00',
  },
  { name: 'currency', kind: 'currency', required: true, description: 'ISO 4217 currency code.', example: 'USD' },
  { name: 'transaction_date', kind: 'datetime', required: true, description: 'When the transaction happened (ISO 8601).', example: '2026-03-01T15:00:00Z' },
  { name: 'status', kind: 'enum', values: TRANSACTION_STATUSES, required: true, description: 'pending → approved | rejected | cancelled.', example: 'approved' },
  { name: 'payment_method', kind: 'text', description: 'Card, wire, e-wallet…' },
  { name: 'comment', kind: 'text', description: 'Free text.' },
];

export interface TransactionRecord {
  transaction_id: string;
  customer_id: string;
  transaction_type: (typeof TRANSACTION_TYPES)[number];
  amount: string;
  currency: string;
  transaction_date: string;
  status: TransactionStatus;
  payment_method?: string;
  comment?: string;
}

export const ACTIVITY_FIELDS: readonly FieldSpec[] = [
  { name: 'date', kind: 'date', required: true, description: 'Trading day (YYYY-MM-DD).', example: '2026-03-02' },
  { name: 'customer_id', kind: 'id', required: true, description: 'An existing customer.', example: 'C-100045' },
  { name: 'instrument', kind: 'id', required: true, description: 'Symbol as on the trading platform.', example: 'EURUSD' },
  { name: 'lots_traded', kind: 'decimal', nonNegative: true, maxDecimals: 2, required: true, description: 'Standard lots traded that day (non-negative, up to 2 decimals).', example: '2.50' },
  { name: 'volume_usd', kind: 'decimal', nonNegative: true, description: 'Notional volume in USD.', example: '270000' },
  { name: 'spread_cost', kind: 'decimal', nonNegative: true, description: 'Spread cost paid by the trader, in `currency`.', example: '17.50' },
  { name: 'commission', kind: 'decimal', nonNegative: true, description: 'Trading commission charged by the broker, in `currency`.', example: '7.00' },
  { name: 'pnl', kind: 'decimal', description: 'Realised client profit and loss, in `currency`; may be negative.', example: '-120.35' },
  { name: 'currency', kind: 'currency', required: true, description: 'Currency of spread_cost, commission and pnl.', example: 'USD' },
];

export interface ActivityRecord {
  date: string;
  customer_id: string;
  instrument: string;
  lots_traded: string;
  volume_usd?: string;
  spread_cost?: string;
  commission?: string;
  pnl?: string;
  currency: string;
}
