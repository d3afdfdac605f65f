import { useState } from 'react';
import { api, download, qs } from '../api.ts';
import { dayIn, formatDate, formatPeriod, titleCase } from '../format.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, DataView, Money, PageHeader, SelectField, TableWrap, TextField, useAsync } from '../ui.tsx';

interface Row {
  partner_id: string | null;
  date: string;
  currency: string;
  customer_id: string | null;
  openib_amount: string | null;
  broker_amount: string | null;
  difference: string;
  status: string;
}

export function Reconciliation() {
  const { config } = useSession();
  const tz = config.broker_time_zone;
  const [from, setFrom] = useState(dayIn(tz, 30));
  const [to, setTo] = useState(dayIn(tz));
  const [per, setPer] = useState('partner');
  const [query, setQuery] = useState({ from, to, per });
  const state = useAsync((signal) => api.get<{ summary: Record<string, number>; tolerance: string; data: Row[] }>(`/api/v1/reconciliation${qs(query)}`, { signal }), [query.from, query.to, query.per]);
  return (
    <>
      <PageHeader title="Reconciliation" subtitle={`OpenIB's ledger against the broker's ib_rebate transactions, ${formatPeriod(query.from, query.to, tz)}.`} />
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ from, to, per });
        }}
      >
        <TextField label="From" type="date" value={from} onChange={setFrom} />
        <TextField label="To" type="date" value={to} onChange={setTo} />
        <SelectField label="Per" value={per} onChange={setPer} options={[{ value: 'partner', label: 'Partner and day' }, { value: 'customer', label: 'Customer and day' }]} />
        <button type="submit" className="btn btn-primary">
          Reconcile
        </button>
        <ActionButton className="btn" onClick={() => download(`/api/v1/reconciliation${qs({ ...query, format: 'csv' })}`, `reconciliation-${query.from}-${query.to}.csv`)}>
          Download CSV
        </ActionButton>
      </form>
      <DataView state={state} isEmpty={(d) => d.data.length === 0} empty="Nothing to reconcile in this period: no ledger entries and no broker rebates.">
        {(d) => (
          <>
            <p>
              {Object.entries(d.summary).map(([k, n]) => (
                <span key={k} className="badge-gap">
                  <Badge tone={k}>{`${n} ${titleCase(k)}`}</Badge>
                </span>
              ))}{' '}
              <span className="muted small">tolerance {d.tolerance}</span>
            </p>
            <TableWrap label="Reconciliation" columns={['Date', 'Partner', { label: 'OpenIB', className: 'r' }, { label: 'Broker', className: 'r' }, { label: 'Difference', className: 'r' }, 'Status']}>
              {d.data.map((r, i) => (
                <tr key={i}>
                  <td>{formatDate(r.date)}</td>
                  <td>
                    {r.partner_id ?? '—'}
                    {r.customer_id ? <div className="small muted">{r.customer_id}</div> : null}
                  </td>
                  <td className="r">
                    <Money value={r.openib_amount} currency={r.currency} />
                  </td>
                  <td className="r">
                    <Money value={r.broker_amount} currency={r.currency} />
                  </td>
                  <td className="r">
                    <Money value={r.difference} currency={r.currency} />
                  </td>
                  <td>
                    <Badge>{r.status}</Badge>
                  </td>
                </tr>
              ))}
            </TableWrap>
          </>
        )}
      </DataView>
    </>
  );
}
