import { type ReactNode, useId } from 'react';
import { SelectField, TextField } from '../ui.tsx';

/**
 * A form for every part of a commission plan (see src/commissions/plan-schema.ts): per-lot rates by symbol, group and
 * account type, per notional, spread share, revenue share with tiers, CPA, tiered per lot, the hierarchy, client
 * rebates, exclusions and caps. The form edits the plan document itself, so the JSON view and the form never disagree;
 * each field shows its own problem: the form's check as you type, the server's (mapped by its field path) after a save
 * or a simulation.
 */

// biome-ignore lint/suspicious/noExplicitAny: a plan document is free-form JSON while it is being edited
export type PlanDoc = Record<string, any>;
type Path = (string | number)[];

export const RULE_TYPES = [
  { type: 'per_lot', label: 'Per lot (by symbol, group, account type)', short: 'per lot' },
  { type: 'per_notional', label: 'Per notional volume', short: 'per notional volume' },
  { type: 'spread_share', label: 'Spread share', short: 'spread share' },
  { type: 'revenue_share', label: 'Revenue share', short: 'revenue share' },
  { type: 'cpa', label: 'CPA (cost per acquisition)', short: 'CPA' },
  { type: 'tiered_per_lot', label: 'Tiered per lot (by monthly volume)', short: 'tiered per lot' },
] as const;

const NEW_RULES: Record<string, PlanDoc> = {
  per_lot: { type: 'per_lot', rates: [{ symbol: '', rate: '' }] },
  per_notional: { type: 'per_notional', per_usd: '100000', rate: '' },
  spread_share: { type: 'spread_share', percent: '' },
  revenue_share: { type: 'revenue_share', percent: '', negative_carryover: true },
  cpa: { type: 'cpa', amount: '', min_first_deposit: '100', ftd_window_hours: 24, min_lots: '1', qualify_within_days: 90, require_kyc: true },
  tiered_per_lot: { type: 'tiered_per_lot', period: 'month', mode: 'retroactive', tiers: [{ from_lots: '0', rate: '' }] },
};

export const emptyPlan = (): PlanDoc => ({ plan_id: '', name: '', currency: 'USD', rules: [structuredClone(NEW_RULES.per_lot)] });

/** "rules[0].rates[1].rate": the field path the API names in its 422 details. */
export const pathText = (path: Path) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('');

function getAt(doc: unknown, path: Path): unknown {
  let v: unknown = doc;
  for (const p of path) v = v == null ? undefined : (v as Record<string | number, unknown>)[p];
  return v;
}

/** A copy of the document with one value set; undefined removes the key (an optional field left empty). */
export function setAt(doc: PlanDoc, path: Path, value: unknown): PlanDoc {
  const copy = structuredClone(doc);
  let v: PlanDoc = copy;
  for (const [i, p] of path.slice(0, -1).entries()) {
    if (v[p] == null) v[p] = typeof path[i + 1] === 'number' ? [] : {};
    v = v[p];
  }
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(v) && typeof last === 'number') v.splice(last, 1);
    else delete (v as PlanDoc)[last];
  } else (v as PlanDoc)[last] = value;
  return copy;
}

const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

interface Ctx {
  doc: PlanDoc;
  change: (doc: PlanDoc) => void;
  errors: Record<string, string>;
  readOnly: boolean;
}

/** A decimal field: checked as typed ("6", "1.50"; percents up to 100), the server's reason after a save. */
function DecimalField({ ctx, path, label, hint, percent, optional }: { ctx: Ctx; path: Path; label: string; hint?: ReactNode; percent?: boolean; optional?: boolean }) {
  const raw = getAt(ctx.doc, path);
  const value = raw == null ? '' : String(raw);
  let local: string | undefined;
  if (value !== '' && !DECIMAL.test(value)) local = 'a decimal number such as 6 or 1.50, without signs or exponents';
  else if (percent && value !== '' && Number(value) > 100) local = 'a percent from 0 to 100';
  else if (!optional && value === '') local = 'required';
  return (
    <TextField
      label={label}
      inputMode="decimal"
      value={value}
      readOnly={ctx.readOnly}
      onChange={(v) => ctx.change(setAt(ctx.doc, path, optional && v.trim() === '' ? undefined : v.trim()))}
      error={ctx.errors[pathText(path)] ?? local}
      hint={hint}
    />
  );
}

function IntegerField({ ctx, path, label, hint, optional }: { ctx: Ctx; path: Path; label: string; hint?: ReactNode; optional?: boolean }) {
  const raw = getAt(ctx.doc, path);
  const value = raw == null ? '' : String(raw);
  const local = value !== '' && !/^\d+$/.test(value) ? 'a whole number' : !optional && value === '' ? 'required' : undefined;
  return (
    <TextField
      label={label}
      inputMode="numeric"
      value={value}
      readOnly={ctx.readOnly}
      onChange={(v) => ctx.change(setAt(ctx.doc, path, v.trim() === '' ? (optional ? undefined : '') : /^\d+$/.test(v.trim()) ? Number(v.trim()) : v))}
      error={ctx.errors[pathText(path)] ?? local}
      hint={hint}
    />
  );
}

function TextAt({ ctx, path, label, hint, optional }: { ctx: Ctx; path: Path; label: string; hint?: ReactNode; optional?: boolean }) {
  const raw = getAt(ctx.doc, path);
  return (
    <TextField
      label={label}
      value={raw == null ? '' : String(raw)}
      readOnly={ctx.readOnly}
      onChange={(v) => ctx.change(setAt(ctx.doc, path, optional && v === '' ? undefined : v))}
      error={ctx.errors[pathText(path)] ?? (!optional && !raw ? 'required' : undefined)}
      hint={hint}
    />
  );
}

/** A comma-separated list of names or patterns. */
function ListField({ ctx, path, label, hint }: { ctx: Ctx; path: Path; label: string; hint?: ReactNode }) {
  const raw = getAt(ctx.doc, path);
  const value = Array.isArray(raw) ? raw.join(', ') : '';
  return (
    <TextField
      label={label}
      defaultValue={value}
      key={value}
      readOnly={ctx.readOnly}
      // Committed when the field is left, so typing "EURUSD, " does not lose the comma.
      onChange={() => undefined}
      onBlur={(e) => {
        const items = list(e.currentTarget.value);
        ctx.change(setAt(ctx.doc, path, items.length ? items : undefined));
      }}
      error={ctx.errors[pathText(path)]}
      hint={hint ?? 'Separate with commas.'}
      value={undefined as unknown as string}
    />
  );
}

function Check({ ctx, path, label, hint }: { ctx: Ctx; path: Path; label: string; hint?: ReactNode }) {
  const id = useId();
  const error = ctx.errors[pathText(path)];
  return (
    <div className={`field field-check${error ? ' field-invalid' : ''}`}>
      <input id={id} type="checkbox" checked={getAt(ctx.doc, path) === true} disabled={ctx.readOnly} onChange={(e) => ctx.change(setAt(ctx.doc, path, e.target.checked))} />
      <label htmlFor={id}>{label}</label>
      {(error || hint) && <div className={error ? 'field-error' : 'field-hint'}>{error ?? hint}</div>}
    </div>
  );
}

function Fieldset({ legend, children, actions }: { legend: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <fieldset className="plan-fieldset">
      <legend>{legend}</legend>
      {children}
      {actions && <div className="toolbar">{actions}</div>}
    </fieldset>
  );
}

/** Rows of an array (rates, tiers, levels) with add and remove buttons. */
function Rows({ ctx, path, label, make, children }: { ctx: Ctx; path: Path; label: string; make: () => PlanDoc; children: (i: number) => ReactNode }) {
  const rows = (getAt(ctx.doc, path) as unknown[] | undefined) ?? [];
  return (
    <div className="plan-rows" role="group" aria-label={label}>
      {ctx.errors[pathText(path)] && <div className="field-error">{ctx.errors[pathText(path)]}</div>}
      {rows.map((_, i) => (
        <div className="plan-row" key={i}>
          {children(i)}
          {!ctx.readOnly && (
            <button type="button" className="btn btn-small btn-ghost" aria-label={`Remove ${label.toLowerCase()} row ${i + 1}`} onClick={() => ctx.change(setAt(ctx.doc, [...path, i], undefined))}>
              Remove
            </button>
          )}
        </div>
      ))}
      {!ctx.readOnly && (
        <button type="button" className="btn btn-small" onClick={() => ctx.change(setAt(ctx.doc, [...path, rows.length], make()))}>
          Add {label.toLowerCase()} row
        </button>
      )}
    </div>
  );
}

function PerLotRule({ ctx, at }: { ctx: Ctx; at: Path }) {
  return (
    <Rows ctx={ctx} path={[...at, 'rates']} label="Rate" make={() => ({ symbol: '', rate: '' })}>
      {(i) => {
        const rate = [...at, 'rates', i];
        const entry = getAt(ctx.doc, rate) as PlanDoc;
        const by = entry && 'group' in entry ? 'group' : 'symbol';
        return (
          <>
            <SelectField
              label="For"
              value={by}
              onChange={(v) => {
                const { symbol: _s, group: _g, ...rest } = entry ?? {};
                ctx.change(setAt(ctx.doc, rate, { [v]: '', ...rest }));
              }}
              options={[
                { value: 'symbol', label: 'Symbol' },
                { value: 'group', label: 'Symbol group' },
              ]}
            />
            <TextAt ctx={ctx} path={[...rate, by]} label={by === 'group' ? 'Group' : 'Symbol'} />
            <DecimalField ctx={ctx} path={[...rate, 'rate']} label="Per lot" />
            <ListField ctx={ctx} path={[...rate, 'account_types']} label="Account types (optional)" hint="Only these account types (globs: ecn-*)." />
          </>
        );
      }}
    </Rows>
  );
}

function RuleFields({ ctx, index }: { ctx: Ctx; index: number }) {
  const at: Path = ['rules', index];
  const type = getAt(ctx.doc, [...at, 'type']) as string;
  switch (type) {
    case 'per_lot':
      return <PerLotRule ctx={ctx} at={at} />;
    case 'per_notional':
      return (
        <div className="field-row">
          <DecimalField ctx={ctx} path={[...at, 'rate']} label="Amount" />
          <DecimalField ctx={ctx} path={[...at, 'per_usd']} label="Per USD of notional" hint="e.g. 10 per 100000" />
        </div>
      );
    case 'spread_share':
      return <DecimalField ctx={ctx} path={[...at, 'percent']} label="Share of spread (%)" percent />;
    case 'revenue_share':
      return (
        <>
          <DecimalField ctx={ctx} path={[...at, 'percent']} label="Share of net revenue (%)" percent />
          <Check ctx={ctx} path={[...at, 'negative_carryover']} label="Carry a negative month into the next" />
          <Rows ctx={ctx} path={[...at, 'tiers']} label="Revenue tier" make={() => ({ from_net_revenue: '', percent: '' })}>
            {(i) => (
              <>
                <DecimalField ctx={ctx} path={[...at, 'tiers', i, 'from_net_revenue']} label="From net revenue" />
                <DecimalField ctx={ctx} path={[...at, 'tiers', i, 'percent']} label="Percent" percent />
              </>
            )}
          </Rows>
          <ListField ctx={ctx} path={[...at, 'components']} label="Components (optional)" hint="spread_cost, commission, client_pnl, bonuses (all when empty)." />
        </>
      );
    case 'cpa':
      return (
        <>
          <div className="field-row">
            <DecimalField ctx={ctx} path={[...at, 'amount']} label="CPA amount" />
            <DecimalField ctx={ctx} path={[...at, 'min_first_deposit']} label="Minimum first deposit" />
          </div>
          <div className="field-row">
            <IntegerField ctx={ctx} path={[...at, 'ftd_window_hours']} label="FTD window (hours)" />
            <DecimalField ctx={ctx} path={[...at, 'min_lots']} label="Minimum lots" />
            <IntegerField ctx={ctx} path={[...at, 'qualify_within_days']} label="Qualify within (days)" />
          </div>
          <Check ctx={ctx} path={[...at, 'require_kyc']} label="KYC must be approved" />
          <CountryAmounts ctx={ctx} at={[...at, 'country_amounts']} />
        </>
      );
    case 'tiered_per_lot':
      return (
        <>
          <SelectField
            label="Tier mode"
            value={String(getAt(ctx.doc, [...at, 'mode']) ?? 'retroactive')}
            onChange={(v) => ctx.change(setAt(ctx.doc, [...at, 'mode'], v))}
            options={[
              { value: 'retroactive', label: 'Retroactive: the reached tier on every lot' },
              { value: 'marginal', label: 'Marginal: each band at its own rate' },
            ]}
          />
          <Rows ctx={ctx} path={[...at, 'tiers']} label="Volume tier" make={() => ({ from_lots: '', rate: '' })}>
            {(i) => (
              <>
                <DecimalField ctx={ctx} path={[...at, 'tiers', i, 'from_lots']} label="From lots" />
                <DecimalField ctx={ctx} path={[...at, 'tiers', i, 'rate']} label="Per lot" />
              </>
            )}
          </Rows>
        </>
      );
    default:
      return <p className="field-error">Unknown rule type {type}: edit it in the JSON view.</p>;
  }
}

/** CPA amounts by country, edited as rows and stored as an object. */
function CountryAmounts({ ctx, at }: { ctx: Ctx; at: Path }) {
  const map = (getAt(ctx.doc, at) as Record<string, string> | undefined) ?? {};
  const entries = Object.entries(map);
  const write = (next: [string, string][]) => ctx.change(setAt(ctx.doc, at, next.length ? Object.fromEntries(next) : undefined));
  return (
    <div className="plan-rows" role="group" aria-label="Amounts by country">
      {ctx.errors[pathText(at)] && <div className="field-error">{ctx.errors[pathText(at)]}</div>}
      {entries.map(([country, amount], i) => (
        <div className="plan-row" key={i}>
          <TextField
            label="Country (2 letters)"
            value={country}
            maxLength={2}
            onChange={(v) => write(entries.map((e, j) => (j === i ? [v.toUpperCase(), e[1]] : e)))}
            error={country && !/^[A-Z]{2}$/.test(country) ? 'two capital letters (ISO 3166-1)' : undefined}
          />
          <TextField
            label="Amount"
            inputMode="decimal"
            value={amount}
            onChange={(v) => write(entries.map((e, j) => (j === i ? [e[0], v.trim()] : e)))}
            error={ctx.errors[pathText([...at, country])] ?? (amount && !DECIMAL.test(amount) ? 'a decimal number' : undefined)}
          />
          <button type="button" className="btn btn-small btn-ghost" aria-label={`Remove country row ${i + 1}`} onClick={() => write(entries.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      {!ctx.readOnly && (
        <button type="button" className="btn btn-small" onClick={() => write([...entries, ['', '']])}>
          Add country amount
        </button>
      )}
    </div>
  );
}

function Hierarchy({ ctx }: { ctx: Ctx }) {
  const mode = (getAt(ctx.doc, ['hierarchy', 'mode']) as string | undefined) ?? '';
  return (
    <Fieldset legend="Hierarchy (sub-IB earnings up the tree)">
      <SelectField
        label="Mode"
        value={mode}
        onChange={(v) =>
          ctx.change(
            setAt(
              ctx.doc,
              ['hierarchy'],
              v === 'override' ? { mode: v, levels: [{ level: 1, per_lot: '' }] } : v === 'split' ? { mode: v, levels: [{ level: 0, percent: '' }] } : v === 'differential' ? { mode: v } : undefined,
            ),
          )
        }
        options={[
          { value: '', label: 'None: only the owner earns' },
          { value: 'override', label: 'Override: ancestors earn per lot or a share of the level below' },
          { value: 'differential', label: 'Differential: each earns its rate minus the rate below' },
          { value: 'split', label: 'Split: one pool divided by level' },
        ]}
        error={ctx.errors.hierarchy}
      />
      {mode === 'override' && (
        <Rows ctx={ctx} path={['hierarchy', 'levels']} label="Override level" make={() => ({ level: 1, per_lot: '' })}>
          {(i) => {
            const at: Path = ['hierarchy', 'levels', i];
            const level = getAt(ctx.doc, at) as PlanDoc;
            const by = level && 'percent_of_child' in level ? 'percent_of_child' : 'per_lot';
            return (
              <>
                <IntegerField ctx={ctx} path={[...at, 'level']} label="Level above the owner" />
                <SelectField
                  label="Earns"
                  value={by}
                  onChange={(v) => ctx.change(setAt(ctx.doc, at, { level: level?.level ?? 1, [v]: '' }))}
                  options={[
                    { value: 'per_lot', label: 'Per lot' },
                    { value: 'percent_of_child', label: 'Percent of the level below' },
                  ]}
                />
                <DecimalField ctx={ctx} path={[...at, by]} label={by === 'per_lot' ? 'Per lot' : 'Percent'} percent={by !== 'per_lot'} />
              </>
            );
          }}
        </Rows>
      )}
      {mode === 'split' && (
        <>
          <Rows ctx={ctx} path={['hierarchy', 'levels']} label="Split level" make={() => ({ level: 1, percent: '' })}>
            {(i) => (
              <>
                <IntegerField ctx={ctx} path={['hierarchy', 'levels', i, 'level']} label="Level (0 = owner)" />
                <DecimalField ctx={ctx} path={['hierarchy', 'levels', i, 'percent']} label="Share of the pool (%)" percent />
              </>
            )}
          </Rows>
          <SelectField
            label="A missing level's share goes to"
            value={String(getAt(ctx.doc, ['hierarchy', 'unclaimed']) ?? 'broker')}
            onChange={(v) => ctx.change(setAt(ctx.doc, ['hierarchy', 'unclaimed'], v))}
            options={[
              { value: 'broker', label: 'The broker' },
              { value: 'top_partner', label: 'The topmost partner' },
            ]}
          />
        </>
      )}
    </Fieldset>
  );
}

function ClientRebate({ ctx }: { ctx: Ctx }) {
  const rebate = getAt(ctx.doc, ['client_rebate']) as PlanDoc | undefined;
  const by = rebate && 'percent' in rebate ? 'percent' : rebate && 'per_lot' in rebate ? 'per_lot' : '';
  return (
    <Fieldset legend="Client rebate">
      <SelectField
        label="Partners may rebate their clients"
        value={rebate ? (rebate.allowed ? 'yes' : 'no') : ''}
        onChange={(v) => ctx.change(setAt(ctx.doc, ['client_rebate'], v === '' ? undefined : { allowed: v === 'yes' }))}
        options={[
          { value: '', label: 'Not set' },
          { value: 'yes', label: 'Allowed' },
          { value: 'no', label: 'Not allowed' },
        ]}
        error={ctx.errors.client_rebate}
      />
      {rebate?.allowed && (
        <>
          <SelectField
            label="Default rebate"
            value={by}
            onChange={(v) => ctx.change(setAt(ctx.doc, ['client_rebate'], v ? { allowed: true, [v]: '' } : { allowed: true }))}
            options={[
              { value: '', label: 'None (each partner sets its own)' },
              { value: 'per_lot', label: 'Per lot' },
              { value: 'percent', label: 'Percent of the partner’s per-lot earning' },
            ]}
          />
          {by && <DecimalField ctx={ctx} path={['client_rebate', by]} label={by === 'per_lot' ? 'Rebate per lot' : 'Rebate (%)'} percent={by === 'percent'} />}
        </>
      )}
    </Fieldset>
  );
}

/** The whole plan as a form. `isNew` lets the plan id be typed; an existing plan keeps its id and currency. */
export function PlanForm({ doc, onChange, errors, isNew, readOnly = false }: { doc: PlanDoc; onChange: (doc: PlanDoc) => void; errors: Record<string, string>; isNew: boolean; readOnly?: boolean }) {
  const ctx: Ctx = { doc, change: onChange, errors, readOnly };
  const rules = (doc.rules as PlanDoc[] | undefined) ?? [];
  const missing = RULE_TYPES.filter((r) => !rules.some((x) => x.type === r.type));
  return (
    <div className="plan-form">
      <Fieldset legend="Plan">
        <div className="field-row">
          {isNew ? <TextAt ctx={ctx} path={['plan_id']} label="Plan id" hint="Letters, digits, dots, dashes; never changes." /> : null}
          <TextAt ctx={ctx} path={['name']} label="Name" />
          {isNew ? (
            <TextAt ctx={ctx} path={['currency']} label="Currency" hint="ISO code, e.g. USD." />
          ) : (
            <TextField label="Currency" value={String(doc.currency ?? '')} onChange={() => undefined} readOnly hint="Fixed for the plan's versions." />
          )}
        </div>
      </Fieldset>
      <Fieldset legend="Symbol groups">
        <Rows ctx={ctx} path={['symbol_groups']} label="Symbol group" make={() => ({ group: '', symbols: [] })}>
          {(i) => (
            <>
              <TextAt ctx={ctx} path={['symbol_groups', i, 'group']} label="Group name" />
              <ListField ctx={ctx} path={['symbol_groups', i, 'symbols']} label="Symbols or patterns" hint="e.g. EURUSD, XAU*" />
            </>
          )}
        </Rows>
      </Fieldset>
      {ctx.errors.rules && <div className="field-error">{ctx.errors.rules}</div>}
      {rules.map((rule, i) => (
        <Fieldset
          key={`${rule.type}-${i}`}
          legend={RULE_TYPES.find((r) => r.type === rule.type)?.label ?? String(rule.type)}
          actions={
            !readOnly && (
              <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange(setAt(doc, ['rules', i], undefined))}>
                Remove this rule
              </button>
            )
          }
        >
          <RuleFields ctx={ctx} index={i} />
        </Fieldset>
      ))}
      {!readOnly && missing.length > 0 && (
        <div className="toolbar" role="group" aria-label="Add a rule">
          {missing.map((r) => (
            <button key={r.type} type="button" className="btn btn-small" onClick={() => onChange(setAt(doc, ['rules', rules.length], structuredClone(NEW_RULES[r.type])))}>
              Add {r.short}
            </button>
          ))}
        </div>
      )}
      <Hierarchy ctx={ctx} />
      <ClientRebate ctx={ctx} />
      <Fieldset legend="Exclusions">
        <Check ctx={ctx} path={['exclusions', 'self_trading']} label="No commission on the partner's own accounts" />
        <Check ctx={ctx} path={['exclusions', 'require_kyc_approved']} label="Hold commission until the client's KYC is approved" />
        <Check ctx={ctx} path={['exclusions', 'hedge_netting']} label="Count hedged (opposite, overlapping) positions once" />
        <IntegerField ctx={ctx} path={['exclusions', 'min_hold_seconds']} label="Minimum hold time (seconds)" optional hint="Deals held shorter earn nothing (deal data only)." />
        <ListField ctx={ctx} path={['exclusions', 'instruments']} label="Instruments that never earn" />
        <ListField ctx={ctx} path={['exclusions', 'account_types']} label="Account types that never earn" hint="e.g. demo*" />
      </Fieldset>
      <Fieldset legend="Caps">
        <div className="field-row">
          <DecimalField ctx={ctx} path={['caps', 'per_day']} label="Most per business day" optional />
          <DecimalField ctx={ctx} path={['caps', 'per_month']} label="Most per month" optional />
        </div>
        {ctx.errors.caps && <div className="field-error">{ctx.errors.caps}</div>}
      </Fieldset>
    </div>
  );
}

/** The document as saved: empty optional objects left out (an empty caps or exclusions object is not a plan's). */
export function cleanPlan(doc: PlanDoc): PlanDoc {
  const out = structuredClone(doc);
  for (const key of ['caps', 'exclusions', 'symbol_groups']) {
    const v = out[key];
    if (v && typeof v === 'object' && Object.keys(v).length === 0) delete out[key];
  }
  return out;
}
