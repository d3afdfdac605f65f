import { useState } from 'react';
import { api, enc, qs } from '../api.ts';
import { dayIn, formatDate, formatMoney, formatNumber, formatPeriod } from '../format.ts';
import { useSession } from '../session.tsx';
import { Badge, DataView, PageHeader, Pager, TableWrap, useAsync } from '../ui.tsx';

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
      <PageHeader title="Clients" subtitle={`Your clients and your team's, with their figures over ${formatPeriod(from, to, tz)}. Names and emails of your sub-IBs' clients are masked.`} />
      <DataView state={state} isEmpty={(d) => d.data.length === 0} empty="No clients yet. Share a link from the Links page; clients who register through it appear here.">
        {(d) => (
          <>
            <TableWrap label="Clients" columns={['Client', 'Status', 'Signed up', { label: 'First deposit', className: 'r' }, { label: 'Net deposits', className: 'r' }, { label: 'Lots', className: 'r' }, { label: 'Commission', className: 'r' }]}>
              {d.data.map((c) => (
                <tr key={c.customer_id}>
                  <td>
                    <div className="strong">{c.name ?? c.customer_id}</div>
                    <div className="small muted">
                      {c.email ?? '—'} {c.pii_masked ? <Badge tone="masked">sub-IB's client</Badge> : null}
                    </div>
                  </td>
                  <td>
                    <Badge>{c.status}</Badge>
                    {c.kyc_status ? <div className="small muted">KYC {c.kyc_status}</div> : null}
                  </td>
                  <td>{formatDate(c.signup_date)}</td>
                  <td className="r">{c.ftd_amount ? formatMoney(c.ftd_amount, 'USD') : '—'}</td>
                  <td className="r">{formatMoney(c.net_deposits, 'USD')}</td>
                  <td className="r">{formatNumber(c.lots)}</td>
                  <td className="r">{formatMoney(c.commission, 'USD')}</td>
                </tr>
              ))}
            </TableWrap>
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

const CPA_REASONS: Record<string, string> = { country_not_paid: 'country not paid', kyc_rejected: 'KYC rejected', ftd_below_minimum: 'first deposit below the minimum' };

/** Where the partner's own clients stand against its CPA: what is met, what is missing, days left. */
function CpaProgress({ partnerId }: { partnerId: string }) {
  const [status, setStatus] = useState('pending');
  const state = useAsync(
    (signal) => api.get<{ counts: Record<CpaRow['status'], number>; data: CpaRow[] }>(`/api/v1/partners/${enc(partnerId)}/cpa-progress${qs({ status, per_page: 50 })}`, { signal }),
    [partnerId, status],
  );
  const counts = state.data?.counts;
  if (!counts || Object.values(counts).every((n) => n === 0)) return null;
  const check = (met: boolean, text: string) => <span className={met ? 'ok' : 'muted'}>{met ? '✓' : '○'} {text}</span>;
  return (
    <section className="card" aria-label="CPA progress">
      <h2>CPA progress</h2>
      <p className="small muted">Your own clients against your plan's CPA conditions. A qualified client's CPA appears in your earnings.</p>
      <div className="toolbar" role="group" aria-label="CPA status">
        {(['pending', 'qualified', 'expired', 'not_eligible'] as const).map((s) => (
          <button key={s} type="button" className={`btn btn-small${status === s ? ' btn-primary' : ''}`} aria-pressed={status === s} onClick={() => setStatus(s)}>
            {s.replace('_', ' ')} ({formatNumber(counts[s])})
          </button>
        ))}
      </div>
      <DataView state={state} isEmpty={(d) => d.data.length === 0} empty="No client in this state.">
        {(d) => (
          <TableWrap label="Clients against the CPA" columns={['Client', 'Signed up', 'Conditions', { label: 'CPA', className: 'r' }, { label: 'Days left', className: 'r' }]}>
            {d.data.map((r) => (
              <tr key={r.customer_id}>
                <td>
                  <div className="strong">{r.customer_id}</div>
                  <Badge>{r.status.replace('_', ' ')}</Badge> {r.reason ? <span className="small muted">{CPA_REASONS[r.reason] ?? r.reason}</span> : null}
                </td>
                <td>{formatDate(r.signup_date)}</td>
                <td className="small">
                  {check(r.ftd_met, `first deposit ${formatMoney(r.ftd_amount, r.currency)} of ${formatMoney(r.min_first_deposit, r.currency)}`)}
                  <br />
                  {check(r.lots_met, `${formatNumber(r.lots)} of ${formatNumber(r.min_lots)} lots`)}
                  {r.kyc_required ? (
                    <>
                      <br />
                      {check(r.kyc_met, 'KYC approved')}
                    </>
                  ) : null}
                </td>
                <td className="r">
                  {formatMoney(r.cpa_amount, r.currency)}
                  {r.ledger_status ? <div className="small muted">{r.ledger_status}</div> : null}
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
      <PageHeader title="Sub-IB tree" subtitle={`Your team and each partner's numbers over ${formatPeriod(from, to, tz)}.`} />
      <DataView state={state} isEmpty={(d) => d.data.length <= 1} empty="No sub-IBs yet. Create a recruit link on the Links page and share it with partners you want in your team.">
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
                    <button type="button" className="btn btn-small tree-toggle" aria-label={`${expanded ? 'Collapse' : 'Expand'} ${n.name}`} onClick={() => toggle(n)}>
                      {expanded ? '−' : '+'}
                    </button>
                  ) : (
                    <span className="tree-leaf" aria-hidden="true">•</span>
                  )}
                  <span className="strong">{n.name}</span>
                  <span className="small muted">{n.partner_id}</span>
                  {n.children > 0 && <span className="small muted">{formatNumber(n.children)} sub-IBs</span>}
                  <span className="tree-figures">
                    <span title="Registrations (with their team)">{formatNumber(n.subtree.registrations)} reg.</span>
                    <span title="First deposits">{formatNumber(n.subtree.ftd_count)} FTD</span>
                    <span title="Net deposits">{formatMoney(n.subtree.net_deposits, 'USD')}</span>
                    <span title="Lots">{formatNumber(n.subtree.lots)} lots</span>
                  </span>
                </div>
                {n.children > 0 && expanded && level && (
                  <ul role="group">
                    {level.rows.map(render)}
                    {level.error && <li className="small error" role="alert">Could not load: {level.error}</li>}
                    {level.loading && <li className="small muted" role="status">Loading…</li>}
                    {!level.loading && level.rows.length < level.total && (
                      <li>
                        <button type="button" className="btn btn-small" onClick={() => more(n.partner_id, level)}>
                          Show {formatNumber(Math.min(LEVEL_PAGE, level.total - level.rows.length))} more of {formatNumber(level.total)}
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
              <ul className="tree" role="tree" aria-label="Sub-IB tree">
                {root && render(root)}
              </ul>
            </div>
          );
        }}
      </DataView>
    </>
  );
}
