import { useState } from 'react';
import { api, download, enc, qs } from '../api.ts';
import { formatDate, formatMoney, formatMoneyExact, formatPeriod, titleCase } from '../format.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, DataView, ErrorMessage, KpiValue, Loading, Money, PageHeader, Pager, Panel, TableWrap, useAsync } from '../ui.tsx';

interface Entry {
  entry_id: string;
  partner_id: string;
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
interface Totals {
  currency: string;
  total: string;
  by_status: Record<string, string>;
}

export function Earnings() {
  const { me } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const [page, setPage] = useState(1);
  const [explain, setExplain] = useState<Entry | null>(null);
  const totals = useAsync((signal) => api.get<{ totals: Totals[] }>(`/api/v1/partners/${enc(partnerId)}/numbers`, { signal }), [partnerId]);
  const entries = useAsync(
    (signal) => api.get<{ data: Entry[]; meta: { total?: number; page?: number; per_page?: number } }>(`/api/v1/partners/${enc(partnerId)}/ledger${qs({ page, per_page: 50 })}`, { signal }),
    [partnerId, page],
  );
  return (
    <>
      <PageHeader title="Earnings" subtitle="Every commission entry, shown to the cent; Explain shows the exact amount. Amounts are rounded once, on statements." />
      <DataView state={totals} isEmpty={(d) => d.totals.length === 0} empty="No earnings yet.">
        {(d) => (
          <div className="kpis">
            {d.totals.map((t) => (
              <div className="kpi card" key={t.currency}>
                <div className="kpi-label">Total earned ({t.currency})</div>
                <KpiValue value={t.total} currency={t.currency} />
                <div className="small muted">
                  {Object.entries(t.by_status)
                    .map(([s, v]) => `${titleCase(s)} ${formatMoney(v, t.currency)}`)
                    .join(' · ')}
                </div>
              </div>
            ))}
          </div>
        )}
      </DataView>
      {explain && <Explain partnerId={partnerId} entry={explain} onClose={() => setExplain(null)} />}
      <DataView state={entries} isEmpty={(d) => d.data.length === 0} empty="No ledger entries yet. Commission appears here once your clients trade.">
        {(d) => (
          <>
            <TableWrap label="Ledger entries" columns={['Date', 'What', 'Status', { label: 'Amount', className: 'r' }, { label: 'Explain', srOnly: true }]}>
              {d.data.map((e) => (
                <tr key={e.entry_id}>
                  <td>{formatDate(e.fact_date)}</td>
                  <td>
                    <div>
                      {titleCase(e.kind)}
                      {e.level > 0 ? ` · level ${e.level}` : ''}
                    </div>
                    <div className="small muted">
                      {[e.customer_id, e.instrument].filter(Boolean).join(' · ') || e.source_type}
                    </div>
                  </td>
                  <td>
                    <Badge>{e.status}</Badge>
                    {e.hold_reason ? <div className="small muted">{titleCase(e.hold_reason)}</div> : null}
                  </td>
                  <td className="r">
                    <Money value={e.amount} currency={e.currency} />
                  </td>
                  <td>
                    <button type="button" className="btn btn-small" onClick={() => setExplain(e)} aria-label={`Explain ${formatMoney(e.amount, e.currency)} of ${formatDate(e.fact_date)}`}>
                      Explain
                    </button>
                  </td>
                </tr>
              ))}
            </TableWrap>
            {d.meta.total !== undefined && <Pager page={page} perPage={50} total={d.meta.total} onPage={setPage} />}
          </>
        )}
      </DataView>
    </>
  );
}

function Explain({ partnerId, entry, onClose }: { partnerId: string; entry: Entry; onClose: () => void }) {
  const state = useAsync(
    (signal) => api.get<{ summary: string; explanation: Record<string, unknown>; history: Entry[] }>(`/api/v1/partners/${enc(partnerId)}/ledger/${enc(entry.entry_id)}/explain`, { signal }),
    [entry.entry_id],
  );
  return (
    <Panel title={`How ${formatMoneyExact(entry.amount, entry.currency)} was computed`} onClose={onClose}>
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
              <h3>Entries for the same fact</h3>
              <ul>
                {state.data.history.map((h) => (
                  <li key={h.entry_id}>
                    {formatMoneyExact(h.amount, h.currency)} · {h.status} · {titleCase(h.kind)}
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
  status_reason: string | null;
  paid_reference: string | null;
  paid_on: string | null;
  entries: number;
}

export function Statements() {
  const { me, config } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const state = useAsync((signal) => api.get<{ data: Statement[] }>(`/api/v1/statements${qs({ partner_id: partnerId })}`, { signal }), [partnerId]);
  return (
    <>
      <PageHeader title="Statements & payouts" subtitle={`Monthly statements follow the broker's calendar (${config.broker_time_zone}).`} />
      <DataView state={state} isEmpty={(d) => d.data.length === 0} empty="No statements yet. The broker issues one per month once the month is closed.">
        {(d) => (
          <TableWrap label="Statements" columns={['Period', 'Status', { label: 'Payable', className: 'r' }, { label: 'Carried forward', className: 'r' }, 'Paid', 'Download']}>
            {d.data.map((s) => (
              <tr key={s.statement_id}>
                <td>
                  <div className="strong">{s.period}</div>
                  <div className="small muted">{formatPeriod(s.period_start, s.period_end)}</div>
                </td>
                <td>
                  <Badge>{s.status}</Badge>
                  {s.status_reason ? <div className="small muted">{s.status_reason}</div> : null}
                  {s.carry_reason ? <div className="small muted">{s.carry_reason}</div> : null}
                </td>
                <td className="r">{formatMoney(s.amount_payable, s.currency)}</td>
                <td className="r">{formatMoney(s.carried_forward, s.currency)}</td>
                <td>{s.paid_on ? `${formatDate(s.paid_on)}${s.paid_reference ? ` · ${s.paid_reference}` : ''}` : '—'}</td>
                <td className="nowrap">
                  <ActionButton className="btn btn-small" onClick={() => download(`/api/v1/statements/${enc(s.statement_id)}/csv`, `statement-${s.period}.csv`)}>
                    CSV
                  </ActionButton>{' '}
                  <ActionButton className="btn btn-small" onClick={() => download(`/api/v1/statements/${enc(s.statement_id)}/pdf`, `statement-${s.period}.pdf`)}>
                    PDF
                  </ActionButton>
                </td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
    </>
  );
}
