import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, enc, qs } from '../api.ts';
import { dayIn, formatDate, formatMoney, formatNumber, formatPeriod } from '../format.ts';
import { useSession } from '../session.tsx';
import { DataTable } from '../table.tsx';
import { Badge, DataView, Money, Num, PageHeader, Pager, TableWrap, useAsync, useStatusLabel } from '../ui.tsx';

interface Customer {
  customer_id: string;
  partner_id: string;
  name: string | null;
  email: string | null;
  pii_masked: boolean;
  country: string | null;
  status: string;
  kyc_status: string | null;
  channel: string;
  signup_date: string;
  ftd_at: string | null;
  ftd_amount: string | null;
  deposits: string;
  net_deposits: string;
  lots: string;
  commission: string;
  last_activity: string | null;
}

export function Clients() {
  const { t } = useTranslation();
  const status = useStatusLabel();
  const { me, config } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const tz = config.broker_time_zone;
  const [page, setPage] = useState(1);
  const from = dayIn(tz, 364);
  const to = dayIn(tz);
  const state = useAsync(
    (signal) => api.get<{ data: Customer[]; meta: { total: number; page: number; per_page: number } }>(`/api/v1/reports/partners/${enc(partnerId)}/customers${qs({ from, to, page, per_page: 50 })}`, { signal }),
    [partnerId, page, from, to],
  );
  return (
    <>
      <PageHeader title={t('clients.title')} subtitle={t('clients.subtitle', { period: t('common.brokerTime', { range: formatPeriod(from, to), zone: tz }) })} />
      <DataView state={state} isEmpty={(d) => d.data.length === 0} empty={t('clients.empty')}>
        {(d) => (
          <>
            <DataTable
              label={t('clients.title')}
              filename="clients"
              rows={d.data}
              rowKey={(c) => c.customer_id}
              columns={[
                {
                  id: 'customer_id',
                  header: t('clients.colClient'),
                  value: (c) => c.customer_id,
                  cell: (c) => (
                    <div>
                      <div className="strong">{c.name ?? c.customer_id}</div>
                      <div className="small muted">
                        {c.email ?? '—'} {c.pii_masked ? <Badge tone="masked">{t('clients.subClient')}</Badge> : null}
                      </div>
                    </div>
                  ),
                },
                { id: 'name', header: 'Name', value: (c) => c.name, hidden: true },
                { id: 'email', header: 'Email', value: (c) => c.email, hidden: true },
                { id: 'country', header: 'Country', value: (c) => c.country, hidden: true },
                {
                  id: 'status',
                  header: t('clients.colStatus'),
                  value: (c) => c.status,
                  cell: (c) => (
                    <div>
                      <Badge tone={c.status}>{status(c.status)}</Badge>
                      {c.kyc_status ? <div className="small muted">{t('clients.kyc', { status: status(c.kyc_status) })}</div> : null}
                    </div>
                  ),
                },
                { id: 'kyc_status', header: 'KYC', value: (c) => c.kyc_status, hidden: true },
                { id: 'signup_date', header: t('clients.colSignedUp'), value: (c) => c.signup_date, cell: (c) => formatDate(c.signup_date) },
                { id: 'ftd_amount', header: t('clients.colFirstDeposit'), className: 'r', sort: 'decimal', value: (c) => c.ftd_amount, cell: (c) => (c.ftd_amount ? <Money value={c.ftd_amount} currency="USD" /> : '—') },
                { id: 'net_deposits', header: t('clients.colNetDeposits'), className: 'r', sort: 'decimal', value: (c) => c.net_deposits, cell: (c) => <Money value={c.net_deposits} currency="USD" /> },
                { id: 'lots', header: t('clients.colLots'), className: 'r', sort: 'decimal', value: (c) => c.lots, cell: (c) => <Num value={c.lots} /> },
                { id: 'commission', header: t('clients.colCommission'), className: 'r', sort: 'decimal', value: (c) => c.commission, cell: (c) => <Money value={c.commission} currency="USD" /> },
              ]}
            />
            <Pager page={d.meta.page} perPage={d.meta.per_page} total={d.meta.total} onPage={setPage} />
          </>
        )}
      </DataView>
      <CpaProgress partnerId={partnerId} />
    </>
  );
}

interface CpaRow {
  customer_id: string;
  signup_date: string;
  status: 'pending' | 'qualified' | 'expired' | 'not_eligible';
  reason: string | null;
  cpa_amount: string;
  currency: string;
  ledger_status: string | null;
  ftd_amount: string;
  min_first_deposit: string;
  ftd_met: boolean;
  lots: string;
  min_lots: string;
  lots_met: boolean;
  kyc_required: boolean;
  kyc_met: boolean;
  days_left: number;
}

/** Where the partner's own clients stand against its CPA: what is met, what is missing, days left. */
function CpaProgress({ partnerId }: { partnerId: string }) {
  const { t } = useTranslation();
  const label = useStatusLabel();
  const [status, setStatus] = useState('pending');
  const state = useAsync(
    (signal) => api.get<{ counts: Record<CpaRow['status'], number>; data: CpaRow[] }>(`/api/v1/partners/${enc(partnerId)}/cpa-progress${qs({ status, per_page: 50 })}`, { signal }),
    [partnerId, status],
  );
  const counts = state.data?.counts;
  if (!counts || Object.values(counts).every((n) => n === 0)) return null;
  const check = (met: boolean, text: string) => <span className={met ? 'ok' : 'muted'}>{met ? '✓' : '○'} {text}</span>;
  return (
    <section className="card" aria-label={t('cpa.title')}>
      <h2>{t('cpa.title')}</h2>
      <p className="small muted">{t('cpa.hint')}</p>
      <div className="toolbar" role="group" aria-label={t('cpa.statusGroup')}>
        {(['pending', 'qualified', 'expired', 'not_eligible'] as const).map((s) => (
          <button key={s} type="button" className={`btn btn-small${status === s ? ' btn-primary' : ''}`} aria-pressed={status === s} onClick={() => setStatus(s)}>
            {label(s)} ({formatNumber(counts[s])})
          </button>
        ))}
      </div>
      <DataView state={state} isEmpty={(d) => d.data.length === 0} empty={t('cpa.empty')}>
        {(d) => (
          <TableWrap
            label={t('cpa.tableLabel')}
            columns={[t('clients.colClient'), t('clients.colSignedUp'), t('cpa.colConditions'), { label: t('cpa.colCpa'), className: 'r' }, { label: t('cpa.colDaysLeft'), className: 'r' }]}
          >
            {d.data.map((r) => (
              <tr key={r.customer_id}>
                <td>
                  <div className="strong">{r.customer_id}</div>
                  <Badge tone={r.status}>{label(r.status)}</Badge> {r.reason ? <span className="small muted">{t(`cpa.reason.${r.reason}`, { defaultValue: r.reason })}</span> : null}
                </td>
                <td>{formatDate(r.signup_date)}</td>
                <td className="small">
                  {check(r.ftd_met, t('cpa.firstDeposit', { amount: formatMoney(r.ftd_amount, r.currency), minimum: formatMoney(r.min_first_deposit, r.currency) }))}
                  <br />
                  {check(r.lots_met, t('cpa.lots', { lots: formatNumber(r.lots), minimum: formatNumber(r.min_lots) }))}
                  {r.kyc_required ? (
                    <>
                      <br />
                      {check(r.kyc_met, t('cpa.kycApproved'))}
                    </>
                  ) : null}
                </td>
                <td className="r">
                  {formatMoney(r.cpa_amount, r.currency)}
                  {r.ledger_status ? <div className="small muted">{label(r.ledger_status)}</div> : null}
                </td>
                <td className="r">{r.status === 'pending' ? formatNumber(r.days_left) : '—'}</td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
    </section>
  );
}

interface Node {
  partner_id: string;
  name: string;
  parent_id: string | null;
  depth: number;
  children: number;
  own: Record<string, string | number>;
  subtree: Record<string, string | number>;
}

const LEVEL_PAGE = 200;

interface Level {
  rows: Node[];
  total: number;
  loading: boolean;
  error?: string;
}

/** One level of the tree: a partner's direct sub-IBs, a page at a time. */
const levelOf = (partnerId: string, from: string, to: string, page: number, signal?: AbortSignal) =>
  api.get<{ data: Node[]; meta: { total: number } }>(
    `/api/v1/reports/partners/${enc(partnerId)}/subtree${qs({ from, to, max_depth: 1, page, per_page: LEVEL_PAGE })}`,
    { signal },
  );

export function Team() {
  const { t } = useTranslation();
  const { me, config } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const tz = config.broker_time_zone;
  const from = dayIn(tz, 29);
  const to = dayIn(tz);
  // The partner and its direct sub-IBs; deeper levels load when a partner is expanded.
  const state = useAsync((signal) => levelOf(partnerId, from, to, 1, signal), [partnerId, from, to]);
  const [open, setOpen] = useState<Set<string>>(new Set([partnerId]));
  const [levels, setLevels] = useState<Map<string, Level>>(new Map());
  const patch = (id: string, change: (l: Level) => Level) =>
    setLevels((m) => new Map(m).set(id, change(m.get(id) ?? { rows: [], total: 0, loading: false })));
  const load = (id: string, page: number) => {
    patch(id, (l) => ({ ...l, loading: true, error: undefined }));
    levelOf(id, from, to, page).then(
      (r) => patch(id, (l) => ({ rows: [...l.rows, ...r.data.filter((n) => n.depth === 1)], total: r.meta.total - 1, loading: false })),
      (err: Error) => patch(id, (l) => ({ ...l, loading: false, error: err.message })),
    );
  };
  const toggle = (n: Node) => {
    const expanding = !open.has(n.partner_id);
    setOpen((s) => {
      const next = new Set(s);
      if (expanding) next.add(n.partner_id);
      else next.delete(n.partner_id);
      return next;
    });
    if (expanding && n.partner_id !== partnerId && !levels.has(n.partner_id)) load(n.partner_id, 1);
  };
  return (
    <>
      <PageHeader title={t('team.title')} subtitle={t('team.subtitle', { period: t('common.brokerTime', { range: formatPeriod(from, to), zone: tz }) })} />
      <DataView state={state} isEmpty={(d) => d.data.length <= 1} empty={t('team.empty')}>
        {(d) => {
          const root = d.data.find((n) => n.depth === 0) ?? d.data[0];
          const rootLevel: Level = levels.get(partnerId) ?? { rows: d.data.filter((n) => n.depth === 1), total: d.meta.total - 1, loading: false };
          const levelFor = (id: string) => (id === partnerId ? rootLevel : levels.get(id));
          const more = (id: string, level: Level) => {
            if (id === partnerId && !levels.has(id)) setLevels((m) => new Map(m).set(id, rootLevel));
            load(id, Math.floor(level.rows.length / LEVEL_PAGE) + 1);
          };
          const render = (n: Node) => {
            const expanded = open.has(n.partner_id);
            const level = levelFor(n.partner_id);
            return (
              <li key={n.partner_id} role="treeitem" aria-expanded={n.children ? expanded : undefined} aria-selected={false}>
                <div className="tree-row">
                  {n.children ? (
                    <button type="button" className="btn btn-small tree-toggle" aria-label={expanded ? t('team.collapse', { name: n.name }) : t('team.expand', { name: n.name })} onClick={() => toggle(n)}>
                      {expanded ? '−' : '+'}
                    </button>
                  ) : (
                    <span className="tree-leaf" aria-hidden="true">•</span>
                  )}
                  <span className="strong">{n.name}</span>
                  <span className="small muted">{n.partner_id}</span>
                  {n.children > 0 && <span className="small muted">{t('team.subIbs', { count: formatNumber(n.children) })}</span>}
                  <span className="tree-figures">
                    <span title={t('team.registrationsTitle')}>{t('team.registrations', { count: formatNumber(n.subtree.registrations) })}</span>
                    <span title={t('team.ftdTitle')}>{t('team.ftd', { count: formatNumber(n.subtree.ftd_count) })}</span>
                    <span title={t('team.netDeposits')}>{formatMoney(n.subtree.net_deposits, 'USD')}</span>
                    <span title={t('team.lotsTitle')}>{t('team.lots', { count: formatNumber(n.subtree.lots) })}</span>
                  </span>
                </div>
                {n.children > 0 && expanded && level && (
                  <ul role="group">
                    {level.rows.map(render)}
                    {level.error && <li className="small error" role="alert">{t('team.couldNotLoad', { error: level.error })}</li>}
                    {level.loading && <li className="small muted" role="status">{t('common.loading')}</li>}
                    {!level.loading && level.rows.length < level.total && (
                      <li>
                        <button type="button" className="btn btn-small" onClick={() => more(n.partner_id, level)}>
                          {t('team.showMore', { count: formatNumber(Math.min(LEVEL_PAGE, level.total - level.rows.length)), total: formatNumber(level.total) })}
                        </button>
                      </li>
                    )}
                  </ul>
                )}
              </li>
            );
          };
          return (
            <div className="card">
              <ul className="tree" role="tree" aria-label={t('team.title')}>
                {root && render(root)}
              </ul>
            </div>
          );
        }}
      </DataView>
    </>
  );
}
