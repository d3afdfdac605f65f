import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import type { Sql } from '../db/index.ts';

const Weight = (description: string, def: number) => Type.Integer({ minimum: 0, maximum: 100, default: def, description });
const Share = (description: string, def: number) => Type.Number({ minimum: 0, maximum: 1, default: def, description });
const Lots = (description: string, def: string) => Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,8})?$', maxLength: 22, default: def, description });

/** Risk rules of one programme: thresholds, windows and weights per signal, and the consequences of a case. */
export const RiskRules = Type.Object(
  {
    lookback_days: Type.Integer({ minimum: 1, maximum: 366, default: 30, description: 'Days of history each scan reads (deals, sign-ups, deposits, clicks).' }),
    open_threshold: Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'A subject whose score reaches this opens a case.' }),
    hedging: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        window_seconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 120, description: 'Opposite deals opened at most this far apart count as a hedge.' }),
        min_share: Share('Share of the customer\'s lots that must be hedged for the signal to fire.', 0.3),
        min_lots: Lots('Hedged lots below this never fire.', '1'),
        weight: Weight('Score of a customer whose lots are all hedged (scaled by the hedged share).', 80),
      },
      { additionalProperties: false, default: {} },
    ),
    short_trades: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        max_hold_seconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 60, description: 'Deals held less than this are short.' }),
        min_share: Share('Share of lots in short deals that fires the signal.', 0.5),
        min_deals: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10, description: 'Fewer short deals than this never fire.' }),
        weight: Weight('Score of a customer whose lots are all short (scaled by the share).', 60),
      },
      { additionalProperties: false, default: {} },
    ),
    linked_accounts: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        weights: Type.Object(
          {
            device: Weight('Same device id at sign-up.', 40),
            payment: Weight('Same payment instrument.', 60),
            phone: Weight('Same phone number.', 40),
            email: Weight('Same email address.', 60),
            address: Weight('Same postal address.', 25),
            ip_prefix: Weight('Same sign-up network (/24 or /64): offices, universities and mobile carriers share these.', 10),
          },
          { additionalProperties: false, default: {} },
        ),
        max_shared: Type.Integer({ minimum: 2, maximum: 100_000, default: 20, description: 'A value shared by more customers than this (a carrier NAT, a shop device) links nobody.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    cpa_deposit_run: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        withdraw_within_hours: Type.Integer({ minimum: 1, maximum: 8760, default: 72, description: 'A withdrawal this soon after the first deposit counts as running.' }),
        min_withdrawn_share: Share('Share of the first deposit withdrawn in that time.', 0.8),
        max_lots: Lots('Customers who traded more lots than this are not flagged.', '1'),
        weight: Weight('Score of a deposit-and-run.', 60),
      },
      { additionalProperties: false, default: {} },
    ),
    signup_burst: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        window_minutes: Type.Integer({ minimum: 1, maximum: 10_080, default: 60 }),
        min_signups: Type.Integer({ minimum: 2, maximum: 100_000, default: 5, description: 'Sign-ups from one network inside the window that fire.' }),
        weight: Weight('Score of each customer in a burst.', 40),
      },
      { additionalProperties: false, default: {} },
    ),
    bot_clicks: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        min_share: Share('Share of a partner\'s clicks marked as bots that fires the signal.', 0.5),
        min_clicks: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 20 }),
        min_click_to_signup_seconds: Type.Integer({ minimum: 0, maximum: 3600, default: 3, description: 'A sign-up faster than this after its click is not a person.' }),
        weight: Weight('Score of a partner whose clicks are all bots (scaled by the share).', 60),
        signup_weight: Weight('Score of a customer who signed up impossibly fast after the click.', 30),
      },
      { additionalProperties: false, default: {} },
    ),
    payout_details_change: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        days: Type.Integer({ minimum: 1, maximum: 90, default: 3, description: 'Payout details changed within this many days count as near a run.' }),
        weight: Weight('Score of a partner whose payout details changed recently.', 50),
      },
      { additionalProperties: false, default: {} },
    ),
    consequences: Type.Object(
      {
        hold: Type.Boolean({ default: true, description: 'Commissions on the customer\'s activity and CPA from the case\'s first day are held pending `risk_review` while the case is open.' }),
        on_confirm: Type.Union([Type.Literal('exclude_lots'), Type.Literal('reverse_all'), Type.Literal('release')], {
          default: 'exclude_lots',
          description: 'What a confirmed case does: exclude_lots removes the hedged or short deals from pay and tier volume (CPA of a confirmed linked or deposit-and-run case is reversed); reverse_all reverses everything the customer earned from the case\'s first day; release pays as if nothing was found.',
        }),
        block_payout: Type.Boolean({ default: true, description: 'A partner with an open case (its own or one of its customers\') gets no payout statement paid: it is carried.' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);
export type RiskRules = Static<typeof RiskRules>;

/** A definition with every left-out setting at its default. */
export function withDefaults(input: unknown): RiskRules {
  return Value.Default(RiskRules, Value.Clone(input ?? {})) as RiskRules;
}

export const DEFAULT_RULES: RiskRules = withDefaults({});

export const ANY_PROGRAMME = '*';

export interface RuleVersion {
  programme: string;
  version: number;
  definition: RiskRules;
  created_by: string;
  created_at: string;
}

/** The version in force of every programme that has rules (always one for '*', the defaults when none is stored). */
export async function rulesInForce(db: Sql): Promise<Map<string, RuleVersion>> {
  const rows = await db.query<RuleVersion>(
    `SELECT DISTINCT ON (programme) programme, version, definition, created_by, created_at::text AS created_at
     FROM risk_rule_versions ORDER BY programme, version DESC`,
  );
  const out = new Map(rows.map((r) => [r.programme, { ...r, definition: withDefaults(r.definition) }]));
  if (!out.has(ANY_PROGRAMME)) out.set(ANY_PROGRAMME, { programme: ANY_PROGRAMME, version: 0, definition: DEFAULT_RULES, created_by: 'system', created_at: '1970-01-01' });
  return out;
}

/** Stores a new version of a programme's rules; returns it. */
export async function saveRules(tx: Sql, programme: string, definition: RiskRules, by: string): Promise<RuleVersion> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('openib.risk_rules'))`);
  const [row] = await tx.query<RuleVersion>(
    `INSERT INTO risk_rule_versions (programme, version, definition, created_by)
     SELECT $1, coalesce(max(version), 0) + 1, $2::jsonb, $3 FROM risk_rule_versions WHERE programme = $1
     RETURNING programme, version, definition, created_by, created_at::text AS created_at`,
    [programme, JSON.stringify(definition), by],
  );
  return row;
}

export async function ruleHistory(db: Sql, programme: string): Promise<RuleVersion[]> {
  return db.query<RuleVersion>(
    'SELECT programme, version, definition, created_by, created_at::text AS created_at FROM risk_rule_versions WHERE programme = $1 ORDER BY version DESC',
    [programme],
  );
}
