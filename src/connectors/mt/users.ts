import { normaliseRecord } from '../../ingest/fields.ts';
import { CUSTOMER_FIELDS } from '../../ingest/specs.ts';
import { serverTimeToUtc } from './time.ts';

/*
 * MT4 mt4_users and MT5 mt5_users rows → customer records. A login becomes a customer (its id
 * from the login mapping, or prefix + login); AGENT_ACCOUNT / Agent, the IB's own login, becomes
 * the affiliate_id hint. Optional fields the platform fills loosely (a country written as a name,
 * a malformed email) are dropped rather than refusing the customer.
 */

type Row = Record<string, unknown>;

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
let countryCodes: Map<string, string> | undefined;
// Codes that are retired or not countries but still have names (DD "Germany", FX "France"…).
const RETIRED = new Set(['AN', 'BU', 'CS', 'DD', 'EU', 'EZ', 'FX', 'NT', 'QO', 'SU', 'TP', 'UN', 'YD', 'YU', 'ZR']);

/** ISO alpha-2 for a country written as a code or an English name ("United Kingdom" → GB). */
export function countryCode(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const text = value.trim();
  if (/^[A-Za-z]{2}$/.test(text) && regionNames.of(text.toUpperCase())) return text.toUpperCase();
  if (!countryCodes) {
    countryCodes = new Map();
    for (let a = 65; a <= 90; a++)
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        if (RETIRED.has(code)) continue;
        const name = regionNames.of(code);
        if (name && name !== code && !countryCodes.has(name.toLowerCase())) countryCodes.set(name.toLowerCase(), code);
      }
    for (const [alias, code] of [['united states of america', 'US'], ['usa', 'US'], ['uk', 'GB'], ['great britain', 'GB'], ['russian federation', 'RU'], ['uae', 'AE']] as const) countryCodes.set(alias, code);
  }
  return countryCodes.get(text.toLowerCase());
}

const str = (v: unknown) => (v === null || v === undefined || String(v).trim() === '' ? undefined : String(v).trim());
const agent = (v: unknown) => (v === null || v === undefined || String(v) === '0' ? '' : String(v));

function splitName(name: unknown): { first_name?: string; last_name?: string } {
  const text = str(name);
  if (!text) return {};
  const i = text.lastIndexOf(' ');
  return i < 0 ? { first_name: text } : { first_name: text.slice(0, i), last_name: text.slice(i + 1) };
}

/** Drops optional fields that would not validate; required ones are left for validation to report. */
function keepValidOptional(record: Record<string, unknown>): Record<string, unknown> {
  const { issues } = normaliseRecord(CUSTOMER_FIELDS, record, 0);
  const out = { ...record };
  for (const issue of issues) if (!CUSTOMER_FIELDS.find((f) => f.name === issue.field)?.required) delete out[issue.field];
  return out;
}

export interface MappedUser {
  login: string;
  group?: string;
  currency?: string;
  customer: Record<string, unknown>;
}

export function mapMt4User(row: Row, customerId: string, zone: string): MappedUser {
  const leverage = str(row.LEVERAGE);
  return {
    login: String(row.LOGIN),
    group: str(row.GROUP),
    currency: str(row.CURRENCY)?.toUpperCase(),
    customer: keepValidOptional({
      customer_id: customerId,
      signup_date: serverTimeToUtc(row.REGDATE as string, zone),
      last_modified_date: serverTimeToUtc(row.MODIFY_TIME as string, zone),
      affiliate_id: agent(row.AGENT_ACCOUNT),
      campaign_id: str(row.LEAD_SOURCE),
      country_code: countryCode(row.COUNTRY),
      trading_account_type: str(row.GROUP),
      leverage: leverage && leverage !== '0' ? `1:${leverage}` : undefined,
      email: str(row.EMAIL),
      ...splitName(row.NAME),
    }),
  };
}

export function mapMt5User(row: Row, customerId: string, zone: string): MappedUser {
  const leverage = str(row.Leverage);
  const first = str(row.FirstName);
  return {
    login: String(row.Login),
    group: str(row.Group),
    customer: keepValidOptional({
      customer_id: customerId,
      signup_date: serverTimeToUtc(row.Registration as string, zone),
      affiliate_id: agent(row.Agent),
      campaign_id: str(row.LeadCampaign) ?? str(row.LeadSource),
      country_code: countryCode(row.Country),
      trading_account_type: str(row.Group),
      leverage: leverage && leverage !== '0' ? `1:${leverage}` : undefined,
      email: str(row.Email),
      ...(first ? { first_name: first, last_name: str(row.LastName) } : splitName(row.Name)),
    }),
  };
}
