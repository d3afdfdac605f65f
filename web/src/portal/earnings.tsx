import type { TFunction } from 'i18next';
import { Link as WouterLink } from 'wouter';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, download, enc, qs } from '../api.ts';
import { type Point, TimeChart } from '../chart.tsx';
import { dayIn, formatDate, formatMoney, formatMoneyExact, formatMonth, formatNumber, formatNumberCompact, formatPeriod, monthIn, titleCase } from '../format.ts';
import { useSession } from '../session.tsx';
import { DataTable } from '../table.tsx';
import { ActionButton, Badge, DataView, ErrorMessage, KpiValue, Loading, Money, PageHeader, Pager, Panel, SelectField, TableWrap, useAsync, useStatusLabel } from '../ui.tsx';

interface Entry {
  entry_id: string;
  currency: string;
  amount: string;
  kind: string;
  level: number;
  status: string;
  hold_reason: string | null;
  source_type: string;
  source_key: string;
  fact_date: string;
  customer_id: string | null;
  instrument: string | null;
  plan_id: string | null;
  plan_version: number | null;
}
type Group = 'month' | 'kind' | 'level' | 'customer' | 'instrument';
interface GroupRow {
  key: string | null;
  currency: string;
  amount: string;
  entries: number;
}
interface Report {
  from: string;
  to: string;
  totals: { currency: string; amount: string; entries: number; by_status: Record<string, string> }[];
  groups: Record<Group, GroupRow[]>;
}

const GROUP_TABS: { group: Group; label: string }[] = [
  { group: 'month', label: 'earnings.group.month' },
  { group: 'kind', label: 'earnings.group.kind' },
  { group: 'level', label: 'earnings.group.level' },
  { group: 'customer', label: 'earnings.group.customer' },
  { group: 'instrument', label: 'earnings.group.instrument' },
];
const groupName = (t: TFunction, group: Group) => t(GROUP_TABS.find((g) => g.group === group)!.label);

/** What a group's key means to a partner. */
function groupLabel(t: TFunction, group: Group, key: string | null): string {
  if (group === 'month') return formatMonth(key);
  if (group === 'kind') return key ? titleCase(key) : '—';
  if (group === 'level') return key === '0' ? t('earnings.ownClients') : t('earnings.levelN', { level: key });
  if (group === 'customer') return key ?? t('earnings.notOneClient');
  return key ?? t('earnings.notInstrument');
}

const STATES: Record<string, string> = {
  pending: 'earnings.state.pending',
  approved: 'earnings.state.approved',
  paid: 'earnings.state.paid',
  reversed: 'earnings.state.reversed',
  held: 'earnings.state.held',
};
/** A ledger status in the partner's language (an unknown one as the API names it). */
const stateName = (t: TFunction, status: string) => (STATES[status] ? t(STATES[status]) : titleCase(status));

const lastDayOfMonth = (month: string) => new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10);

function periodOf(preset: string, tz: string): { from: string; to: string } {
  const today = dayIn(tz);
  if (preset === 'this-month') return { from: `${monthIn(tz, 0)}-01`, to: today };
  if (preset === 'last-month') return { from: `${monthIn(tz, 1)}-01`, to: lastDayOfMonth(monthIn(tz, 1)) };
  if (preset === '3-months') return { from: `${monthIn(tz, 2)}-01`, to: today };
  return { from: `${monthIn(tz, 11)}-01`, to: today };
}

/** Every month of [from, to] with the report's amount in one currency (0 where it has none), oldest first, for the chart. */
function monthlyPoints(rows: GroupRow[], currency: string, from: string, to: string): Point[] {
  const points: Point[] = [];
  for (let m = from.slice(0, 7); m <= to.slice(0, 7); ) {
    points.push({ bucket: `${m}-01`, value: rows.find((r) => r.key === m && r.currency === currency)?.amount ?? '0' });
    const d = new Date(`${m}-01T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() + 1);
    m = d.toISOString().slice(0, 7);
  }
  return points;
}

const PER_PAGE = 50;

export function Earnings() {
  const { t, i18n } = useTranslation();
  const { me, config } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const tz = config.broker_time_zone;
  const [preset, setPreset] = useState('12-months');
  const [status, setStatus] = useState('');
  const [group, setGroup] = useState<Group>('month');
  const [drill, setDrill] = useState<{ group: Group; key: string | null } | null>(null);
  const [page, setPage] = useState(1);
  const [explain, setExplain] = useState<Entry | null>(null);
  const { from, to } = periodOf(preset, tz);
  const report = useAsync((signal) => api.get<Report>(`/api/v1/reports/partners/${enc(partnerId)}/earnings${qs({ from, to, status })}`, { signal }), [partnerId, from, to, status]);
  const drillQuery = drill ? { [drill.group === 'customer' ? 'customer_id' : drill.group]: drill.key ?? undefined } : {};
  const entriesQuery = { from, to, status, ...drillQuery };
  const entries = useAsync(
    (signal) => api.get<{ data: Entry[]; meta: { total: number } }>(`/api/v1/reports/partners/${enc(partnerId)}/earnings/entries${qs({ ...entriesQuery, page, per_page: PER_PAGE })}`, { signal }),
    [partnerId, from, to, status, drill?.group, drill?.key, page],
  );
  const lang = i18n.language;
  const moneyOf = useMemo(() => (currency: string) => (v: string | number) => formatMoney(String(v), currency), [lang]);
  const tick = useMemo(() => (v: string | number) => formatNumberCompact(String(v)), [lang]);
  const reset = () => {
    setPage(1);
    setDrill(null);
  };
  return (
    <>
      <PageHeader
        title={t('earnings.title')}
        subtitle={t('earnings.subtitle', { period: t('common.brokerTime', { range: formatPeriod(from, to), zone: tz }) })}
        actions={
          <ActionButton className="btn" onClick={() => download(`/api/v1/reports/partners/${enc(partnerId)}/earnings/entries${qs({ ...entriesQuery, format: 'csv' })}`, `earnings-${from}-${to}.csv`)}>
            {t('earnings.downloadCsv')}
          </ActionButton>
        }
      />
      <div className="toolbar" role="group" aria-label={t('earnings.filters')}>
        <SelectField
          label={t('earnings.period')}
          value={preset}
          onChange={(v) => {
            setPreset(v);
            reset();
          }}
          options={[
            { value: 'this-month', label: t('earnings.thisMonth') },
            { value: 'last-month', label: t('earnings.lastMonth') },
            { value: '3-months', label: t('earnings.last3') },
            { value: '12-months', label: t('earnings.last12') },
          ]}
        />
        <SelectField
          label={t('earnings.status')}
          value={status}
          onChange={(v) => {
            setStatus(v);
            reset();
          }}
          options={[
            { value: '', label: t('earnings.allStatuses') },
            { value: 'pending', label: t('earnings.state.pending') },
            { value: 'approved', label: t('earnings.state.approved') },
            { value: 'paid', label: t('earnings.state.paid') },
            { value: 'reversed', label: t('earnings.state.reversed') },
          ]}
        />
      </div>
      <DataView state={report} isEmpty={(d) => d.totals.length === 0} empty={t('earnings.empty')}>
        {(d) => {
          const main = d.totals[0]!;
          return (
            <>
              <div className="kpis">
                {d.totals.map((total) => (
                  <div className="kpi card" key={total.currency} data-kpi={`total-${total.currency}`}>
                    <div className="kpi-label">{t('earnings.earned', { currency: total.currency })}</div>
                    <KpiValue value={total.amount} currency={total.currency} />
                    <div className="small muted">
                      {Object.entries(total.by_status)
                        .map(([s, v]) => `${stateName(t, s)} ${formatMoney(v, total.currency)}`)
                        .join(' · ')}
                    </div>
                  </div>
                ))}
              </div>
              <section className="card" aria-labelledby="chart-months">
                <h2 id="chart-months">
                  {t('earnings.byMonth')}
                  {d.totals.length > 1 ? ` (${main.currency})` : ''}
                </h2>
                <TimeChart points={monthlyPoints(d.groups.month, main.currency, d.from, d.to)} label={t('earnings.earned', { currency: main.currency })} format={moneyOf(main.currency)} tick={tick} bars bucketLabel={formatMonth} />
              </section>
              <section className="card" aria-labelledby="groups-heading">
                <div className="section-head">
                  <h2 id="groups-heading">{t('earnings.grouped')}</h2>
                  <div className="segmented" role="group" aria-label={t('earnings.groupBy')}>
                    {GROUP_TABS.map((g) => (
                      <button key={g.group} type="button" className={`btn btn-small${group === g.group ? ' selected' : ''}`} aria-pressed={group === g.group} onClick={() => setGroup(g.group)}>
                        {t(g.label)}
                      </button>
                    ))}
                  </div>
                </div>
                {d.groups[group].length === 0 ? (
                  <p className="state state-empty">{t('earnings.nothingToGroup')}</p>
                ) : (
                  <TableWrap
                    label={t('earnings.byGroup', { group: groupName(t, group).toLowerCase() })}
                    columns={[groupName(t, group), { label: t('earnings.entries'), className: 'r' }, { label: t('earnings.amount'), className: 'r' }, { label: t('earnings.showEntries'), srOnly: true }]}
                  >
                    {d.groups[group].map((r) => (
                      <tr key={`${r.key}-${r.currency}`} data-group-key={r.key ?? ''}>
                        <td>{groupLabel(t, group, r.key)}</td>
                        <td className="r">{formatNumber(r.entries)}</td>
                        <td className="r">
                          <Money value={r.amount} currency={r.currency} />
                        </td>
                        <td className="nowrap">
                          {r.key !== null && (
                            <button
                              type="button"
                              className="btn btn-small"
                              aria-label={t('earnings.showEntriesOf', { name: groupLabel(t, group, r.key) })}
                              onClick={() => {
                                setDrill({ group, key: r.key });
                                setPage(1);
                                document.getElementById('entries-heading')?.scrollIntoView({ block: 'start' });
                              }}
                            >
                              {t('earnings.entries')}
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </TableWrap>
                )}
              </section>
            </>
          );
        }}
      </DataView>
      {explain && <Explain partnerId={partnerId} entry={explain} onClose={() => setExplain(null)} />}
      {/* With no earnings at all, the empty report says so once. */}
      {report.data?.totals.length === 0 ? null : (
        <section aria-labelledby="entries-heading">
          <div className="section-head">
            <h2 id="entries-heading">{t('earnings.newestFirst')}</h2>
            {drill && (
              <span className="chip">
                {groupName(t, drill.group)}: {groupLabel(t, drill.group, drill.key)}{' '}
                <button type="button" className="btn btn-small btn-ghost" onClick={() => reset()} aria-label={t('earnings.showAllEntries')}>
                  {t('earnings.showAll')}
                </button>
              </span>
            )}
          </div>
          <DataView state={entries} isEmpty={(d) => d.data.length === 0} empty={t('earnings.noEntries')}>
            {(d) => (
              <>
                <TableWrap
                  label={t('earnings.ledgerEntries')}
                  columns={[t('earnings.date'), t('earnings.what'), t('earnings.status'), { label: t('earnings.amount'), className: 'r' }, { label: t('earnings.explain'), srOnly: true }]}
                >
                  {d.data.map((e) => (
                    <tr key={e.entry_id} data-entry={e.entry_id}>
                      <td className="nowrap">{formatDate(e.fact_date)}</td>
                      <td>
                        <div>
                          {titleCase(e.kind)}
                          {e.level > 0 ? t('earnings.levelSuffix', { level: e.level }) : ''}
                        </div>
                        <div className="small muted">{[e.customer_id, e.instrument].filter(Boolean).join(' · ') || e.source_type}</div>
                      </td>
                      <td>
                        <Badge tone={e.status}>{stateName(t, e.status)}</Badge>
                        {e.hold_reason ? <div className="small muted">{titleCase(e.hold_reason)}</div> : null}
                      </td>
                      <td className="r">
                        <Money value={e.amount} currency={e.currency} />
                      </td>
                      <td>
                        <button type="button" className="btn btn-small" onClick={() => setExplain(e)} aria-label={t('earnings.explainEntry', { amount: formatMoney(e.amount, e.currency), date: formatDate(e.fact_date) })}>
                          {t('earnings.explain')}
                        </button>
                      </td>
                    </tr>
                  ))}
                </TableWrap>
                <Pager page={page} perPage={PER_PAGE} total={d.meta.total} onPage={setPage} />
              </>
            )}
          </DataView>
        </section>
      )}
    </>
  );
}

function Explain({ partnerId, entry, onClose }: { partnerId: string; entry: Entry; onClose: () => void }) {
  const { t } = useTranslation();
  const state = useAsync(
    (signal) => api.get<{ summary: string; explanation: Record<string, unknown>; history: Entry[] }>(`/api/v1/partners/${enc(partnerId)}/ledger/${enc(entry.entry_id)}/explain`, { signal }),
    [entry.entry_id],
  );
  return (
    <Panel title={t('earnings.howComputed', { amount: formatMoneyExact(entry.amount, entry.currency) })} onClose={onClose}>
      {state.loading && !state.data ? <Loading /> : null}
      <ErrorMessage error={state.error} retry={state.reload} />
      {state.data && (
        <>
          <p>{state.data.summary}</p>
          <dl className="explain">
            {Object.entries(state.data.explanation ?? {})
              .filter(([, v]) => v !== null && typeof v !== 'object')
              .map(([k, v]) => (
                <div key={k}>
                  <dt>{titleCase(k)}</dt>
                  <dd className="mono">{String(v)}</dd>
                </div>
              ))}
          </dl>
          {state.data.history.length > 1 && (
            <>
              <h3>{t('earnings.sameFact')}</h3>
              <ul>
                {state.data.history.map((h) => (
                  <li key={h.entry_id}>
                    {formatMoneyExact(h.amount, h.currency)} · {stateName(t, h.status)} · {titleCase(h.kind)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </Panel>
  );
}

export interface Statement {
  statement_id: string;
  run_id: string;
  period: string;
  period_start: string;
  period_end: string;
  partner_id: string;
  partner_name: string;
  currency: string;
  status: string;
  opening_balance: string;
  period_amount: string;
  amount_payable: string;
  carried_forward: string;
  carry_reason: string | null;
  compliance_hold?: string | null;
  status_reason: string | null;
  paid_reference: string | null;
  paid_on: string | null;
  entries: number;
}

export function Statements() {
  const { t } = useTranslation();
  const label = useStatusLabel();
  const { me, config } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const state = useAsync((signal) => api.get<{ data: Statement[] }>(`/api/v1/statements${qs({ partner_id: partnerId })}`, { signal }), [partnerId]);
  return (
    <>
      <PageHeader title={t('statements.title')} subtitle={t('statements.subtitle', { zone: config.broker_time_zone })} />
      <DataView state={state} isEmpty={(d) => d.data.length === 0} empty={t('statements.empty')}>
        {(d) => (
          <DataTable
            label={t('statements.tableLabel')}
            filename="statements"
            rows={d.data}
            rowKey={(s) => s.statement_id}
            columns={[
              {
                id: 'period',
                header: t('statements.colPeriod'),
                value: (s) => s.period,
                cell: (s) => (
                  <div>
                    <div className="strong">{formatMonth(s.period)}</div>
                    <div className="small muted">{formatPeriod(s.period_start, s.period_end)}</div>
                  </div>
                ),
              },
              {
                id: 'status',
                header: t('statements.colStatus'),
                value: (s) => s.status,
                cell: (s) => (
                  <div>
                    <Badge tone={s.status}>{label(s.status)}</Badge>
                    {s.status_reason ? <div className="small muted">{s.status_reason}</div> : null}
                    {s.carry_reason ? <div className="small muted">{s.carry_reason}</div> : null}
                    {s.compliance_hold ? (
                      <div className="small">
                        <WouterLink href="/onboarding">{t('statements.completeOnboarding')}</WouterLink>
                      </div>
                    ) : null}
                  </div>
                ),
              },
              { id: 'currency', header: 'Currency', value: (s) => s.currency, hidden: true },
              { id: 'amount_payable', header: t('statements.colPayable'), className: 'r', sort: 'decimal', value: (s) => s.amount_payable, cell: (s) => <Money value={s.amount_payable} currency={s.currency} /> },
              { id: 'carried_forward', header: t('statements.colCarried'), className: 'r', sort: 'decimal', value: (s) => s.carried_forward, cell: (s) => <Money value={s.carried_forward} currency={s.currency} /> },
              {
                id: 'paid_on',
                header: t('statements.colPaid'),
                value: (s) => s.paid_on,
                cell: (s) => (s.paid_on ? `${formatDate(s.paid_on)}${s.paid_reference ? ` · ${s.paid_reference}` : ''}` : '—'),
              },
              { id: 'paid_reference', header: 'Reference', value: (s) => s.paid_reference, hidden: true },
              {
                id: 'download',
                header: t('statements.colDownload'),
                noExport: true,
                cell: (s) => (
                  <div className="nowrap row-actions">
                    <ActionButton className="btn btn-small" onClick={() => download(`/api/v1/statements/${enc(s.statement_id)}/csv`, `statement-${s.period}.csv`)}>
                      CSV
                    </ActionButton>
                    <ActionButton className="btn btn-small" onClick={() => download(`/api/v1/statements/${enc(s.statement_id)}/pdf`, `statement-${s.period}.pdf`)}>
                      PDF
                    </ActionButton>
                  </div>
                ),
              },
            ]}
          />
        )}
      </DataView>
    </>
  );
}
