import { Type } from 'typebox';
import { COUNT_METRICS, METRICS, MONEY_METRICS } from './kpis.ts';

const Money = (description: string) => Type.String({ description: `${description} In USD, a decimal string rounded to cents.`, examples: ['1250.00'] });

export const KpisSchema = Type.Object(
  Object.fromEntries(
    METRICS.map((m) => [
      m,
      (COUNT_METRICS as readonly string[]).includes(m)
        ? Type.Integer({ description: `Number of ${m.replace('_', ' ')}.`, examples: [42] })
        : (MONEY_METRICS as readonly string[]).includes(m)
          ? Money(m.replace('_', ' '))
          : Type.String({ description: m === 'lots' ? 'Lots traded, decimal string.' : 'Notional volume in USD, decimal string.', examples: ['12.5'] }),
    ]),
  ),
  { description: 'Key figures of a period.' },
);

export const PartnerParams = Type.Object({ id: Type.String({ maxLength: 200, description: 'The partner id.', examples: ['ptn_01J…'] }) });

export const PeriodQuery = {
  from: Type.Optional(Type.String({ maxLength: 10, description: 'First business date, YYYY-MM-DD (default: 29 days before to).', examples: ['2026-03-01'] })),
  to: Type.Optional(Type.String({ maxLength: 10, description: 'Last business date, YYYY-MM-DD (default: today in the broker time zone).', examples: ['2026-03-31'] })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv answers text/csv with one row per line of the report.', default: 'json' })),
};

export const MetricSchema = Type.Union(METRICS.map((m) => Type.Literal(m)), { description: 'Which KPI.', examples: ['net_deposits'] });

const Change = Type.Object({
  previous: Type.Union([Type.String(), Type.Integer()], { description: 'The value in the previous period.' }),
  delta: Type.String({ description: 'Current minus previous.', examples: ['125.50'] }),
  percent: Type.Union([Type.String(), Type.Null()], { description: 'Change in percent, one decimal; null when the previous value is 0.', examples: ['12.5'] }),
});

export const SummaryResponse = Type.Object({
  partner_id: Type.String(),
  currency: Type.String({ examples: ['USD'] }),
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  own: KpisSchema,
  subtree: { ...KpisSchema, description: 'The partner and every sub-IB below it.' },
  previous: Type.Object({ from: Type.String({ format: 'date' }), to: Type.String({ format: 'date' }), own: KpisSchema, subtree: KpisSchema }, { description: 'The period of the same length just before.' }),
  change: Type.Record(Type.String(), Change, { description: 'Per KPI, subtree figures compared with the previous period.' }),
});

export const TimeseriesResponse = Type.Object({
  partner_id: Type.String(),
  metric: Type.String(),
  interval: Type.String(),
  scope: Type.String(),
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  currency: Type.String(),
  points: Type.Array(Type.Object({
    bucket: Type.String({ format: 'date', description: 'First day of the bucket (weeks start on Monday).' }),
    value: Type.Union([Type.Integer(), Type.String()], { description: 'Counts as integers, money and lots as decimal strings.' }),
  })),
});

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const PageMeta = Type.Object({
  total: Type.Integer({ description: 'Rows in the whole report.' }), page: Type.Integer(), per_page: Type.Integer(),
});

export const SubtreeSortSchema = Type.Union(
  [Type.Literal('tree'), ...METRICS.flatMap((m) => [Type.Literal(`subtree.${m}`), Type.Literal(`own.${m}`)])],
  { default: 'tree', description: 'tree: the partner first, then by depth and age. `subtree.<kpi>` or `own.<kpi>`: largest first (e.g. the top sub-IBs by their team\'s net deposits).', examples: ['subtree.net_deposits'] },
);

export const CustomersResponse = Type.Object({
  partner_id: Type.String(), from: Type.String(), to: Type.String(), currency: Type.String(),
  data: Type.Array(Type.Object({
    customer_id: Type.String(),
    partner_id: Type.String({ description: 'The customer\'s current partner.' }),
    name: Nullable(Type.String({ description: 'Masked ("J.") when the caller is an upline of the customer\'s partner.' })),
    email: Nullable(Type.String({ description: 'Masked ("j***@example.com") for uplines.' })),
    pii_masked: Type.Boolean(),
    country: Nullable(Type.String()),
    status: Type.Union([Type.Literal('registered'), Type.Literal('funded'), Type.Literal('active')], { description: 'active: traded in the 30 days before `to`; funded: has a first deposit.' }),
    kyc_status: Nullable(Type.String()),
    channel: Type.String({ description: 'How the customer was acquired (attribution source).', examples: ['click'] }),
    campaign_id: Nullable(Type.String()),
    signup_date: Type.String({ format: 'date-time' }),
    ftd_at: Nullable(Type.String({ format: 'date-time' })),
    ftd_amount: Nullable(Type.String()),
    deposits: Type.String(), withdrawals: Type.String(), net_deposits: Type.String(),
    lots: Type.String(), notional: Type.String(),
    commission: Type.String({ description: 'Commission the partner and its subtree earned on this customer (not reversed), USD.' }),
    last_activity: Nullable(Type.String({ format: 'date' })),
  })),
  meta: PageMeta,
});

export const SubtreeResponse = Type.Object({
  partner_id: Type.String(), from: Type.String(), to: Type.String(), currency: Type.String(),
  data: Type.Array(Type.Object({
    partner_id: Type.String(), name: Type.String(), parent_id: Nullable(Type.String()),
    depth: Type.Integer({ description: '0 for the partner asked about, 1 for its direct sub-IBs, …' }),
    children: Type.Integer({ description: 'How many direct sub-IBs this partner has (to draw an expandable tree page by page).' }),
    own: KpisSchema, subtree: KpisSchema,
  })),
  sort: Type.String({ description: 'The order of the rows: tree, or the KPI they are sorted by (largest first).' }),
  meta: PageMeta,
});

export const LinksResponse = Type.Object({
  partner_id: Type.String(), from: Type.String(), to: Type.String(), currency: Type.String(),
  data: Type.Array(Type.Object({
    partner_id: Type.String(),
    link_id: Nullable(Type.String({ description: 'null: customers who came without a link (affiliate id, partner code).' })),
    code: Nullable(Type.String()), label: Nullable(Type.String()), campaign_id: Nullable(Type.String()),
    clicks: Type.Integer(), registrations: Type.Integer(), ftd_count: Type.Integer(), ftd_amount: Type.String(),
    registration_rate: Nullable(Type.String({ description: 'registrations / clicks in percent.' })),
    ftd_rate: Nullable(Type.String({ description: 'first deposits / registrations in percent.' })),
  })),
});

export const OverviewResponse = Type.Object({
  from: Type.String(), to: Type.String(), currency: Type.String(),
  totals: KpisSchema,
  funnel: Type.Object({
    clicks: Type.Integer(), registrations: Type.Integer(), ftd_count: Type.Integer(),
    registration_rate: Nullable(Type.String()), ftd_rate: Nullable(Type.String()),
  }),
  top_partners: Type.Array(Type.Intersect([Type.Object({ partner_id: Type.String(), name: Type.String() }), KpisSchema])),
  channels: Type.Array(Type.Object({
    channel: Type.String({ examples: ['click', 'affiliate_id', 'ctrader_invite'] }), campaign_id: Nullable(Type.String()),
    customers: Type.Integer(), ftd_count: Type.Integer(), ftd_amount: Type.String(), deposits: Type.String(), net_deposits: Type.String(), lots: Type.String(),
    commission: Type.String({ description: 'Acquisition cost: commission recorded on these customers (not reversed).' }),
    value_per_customer: Nullable(Type.String({ description: 'Net deposits per customer.' })),
    cost_per_ftd: Nullable(Type.String({ description: 'Commission per first deposit.' })),
  }), { description: 'Customers who signed up in the period, per acquisition channel and campaign, with their lifetime figures.' }),
});
