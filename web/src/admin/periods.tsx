import { useState } from 'react';
import { Link } from 'wouter';
import { api, enc } from '../api.ts';
import { formatDateTime, formatMonth, formatNumber, titleCase } from '../format.ts';
import { useSession } from '../session.tsx';
import { Badge, DataView, ErrorMessage, Loading, Money, PageHeader, Panel, TableWrap, useAsync } from '../ui.tsx';

interface PeriodMoney {
  currency: string;
  amount: string;
  entries: number;
}
interface Period {
  period: string;
  status: 'open' | 'closed';
  ended: boolean;
  closed_at: string | null;
  closed_by: string | null;
  ledger: PeriodMoney[];
  payout_runs: number;
}
interface Preview {
  period: string;
  status: 'open' | 'closed';
  facts: number;
  entries_written: number;
  reversed: number;
  held_released: number;
  settles: (PeriodMoney & { kind: string })[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${formatNumber(n)} ${n === 1 ? one : many}`;

/** Finance closes a month here: tiers and revenue share are settled for it, and payout runs can start. */
export function Periods() {
  const { can, config } = useSession();
  const state = useAsync((signal) => api.get<{ today: string; data: Period[] }>('/api/v1/periods?months=12', { signal }), []);
  const [closing, setClosing] = useState<string | null>(null);
  const [closed, setClosed] = useState<string | null>(null);
  const writable = can('payouts:write');
  return (
    <>
      <PageHeader
        title="Periods"
        subtitle={`Closing a month settles its tiered per-lot pay and revenue share; payout runs need a closed month. Months follow the broker time zone (${config.broker_time_zone}).`}
      />
      {closed && (
        <p className="notice" role="status">
          {formatMonth(closed)} is closed. <Link href={`/payouts?period=${closed}`}>Run payouts for it</Link>.
        </p>
      )}
      {closing && (
        <ClosePanel
          period={closing}
          onClose={() => setClosing(null)}
          onClosed={() => {
            setClosed(closing);
            setClosing(null);
            state.reload();
          }}
        />
      )}
      <DataView state={state} isEmpty={(d) => d.data.length === 0}>
        {(d) => (
          <TableWrap label="Periods" columns={['Month', 'Status', { label: 'Commission in the ledger', className: 'r' }, 'Payout runs', writable && { label: 'Actions', srOnly: true }]}>
            {d.data.map((p) => (
              <tr key={p.period} data-period={p.period}>
                <td>
                  <div className="strong">{formatMonth(p.period)}</div>
                  <div className="small muted">{p.period}</div>
                </td>
                <td>
                  <Badge tone={p.status === 'closed' ? 'closed' : p.ended ? 'open' : 'current'}>{p.status === 'closed' ? 'closed' : p.ended ? 'open' : 'in progress'}</Badge>
                  {p.closed_at ? (
                    <div className="small muted">
                      {formatDateTime(p.closed_at)}
                      {p.closed_by ? ` · ${p.closed_by}` : ''}
                    </div>
                  ) : null}
                </td>
                <td className="r">
                  {p.ledger.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    p.ledger.map((l) => (
                      <div key={l.currency}>
                        <Money value={l.amount} currency={l.currency} />
                      </div>
                    ))
                  )}
                </td>
                <td>
                  {p.payout_runs > 0 ? (
                    <Link href={`/payouts?period=${p.period}`}>
                      {formatNumber(p.payout_runs)} run{p.payout_runs === 1 ? '' : 's'}
                    </Link>
                  ) : p.status === 'closed' ? (
                    <Link href={`/payouts?period=${p.period}`}>Run payouts</Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                {writable && (
                  <td className="nowrap">
                    {p.status === 'open' && p.ended ? (
                      <button type="button" className="btn btn-small btn-primary" onClick={() => setClosing(p.period)}>
                        {/* The visible words start the accessible name (WCAG 2.5.3); the month makes each button's name unique. */}
                        Close month…<span className="sr-only"> {formatMonth(p.period)}</span>
                      </button>
                    ) : p.status === 'open' ? (
                      <span className="small muted">Closes after the month ends</span>
                    ) : null}
                  </td>
                )}
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
    </>
  );
}

function ClosePanel({ period, onClose, onClosed }: { period: string; onClose: () => void; onClosed: () => void }) {
  const preview = useAsync((signal) => api.get<Preview>(`/api/v1/periods/${enc(period)}/close-preview`, { signal }), [period]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const month = formatMonth(period);
  return (
    <Panel title={`Close ${month}`} onClose={onClose}>
      {preview.loading && !preview.data ? <Loading label="Working out what closing settles…" /> : null}
      <ErrorMessage error={preview.error} retry={preview.reload} />
      {preview.data && (
        <>
          <p>
            Closing recomputes {plural(preview.data.facts, 'activity row')} of {month} with the month's tiers and revenue share as final
            {preview.data.entries_written === 0 ? ', and has nothing to add: its commission is already in the ledger.' : `, and appends ${plural(preview.data.entries_written, 'ledger entry', 'ledger entries')}:`}
          </p>
          {preview.data.settles.length > 0 && (
            <TableWrap label="What closing settles" columns={['Kind', { label: 'Entries', className: 'r' }, { label: 'Amount', className: 'r' }]}>
              {preview.data.settles.map((s) => (
                <tr key={`${s.kind}-${s.currency}`}>
                  <td>{titleCase(s.kind)}</td>
                  <td className="r">{formatNumber(s.entries)}</td>
                  <td className="r">
                    <Money value={s.amount} currency={s.currency} />
                  </td>
                </tr>
              ))}
            </TableWrap>
          )}
          {preview.data.reversed > 0 && <p className="small muted">{plural(preview.data.reversed, 'earlier entry', 'earlier entries')} reversed by it.</p>}
          <p className="small muted">Entries dated in a closed month can still be corrected later; closing again writes only the difference.</p>
        </>
      )}
      <ErrorMessage error={error} />
      <div className="form-actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy || !preview.data}
          onClick={async () => {
            setBusy(true);
            setError(undefined);
            try {
              await api.post(`/api/v1/periods/${enc(period)}/close`);
              onClosed();
            } catch (err) {
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Closing…' : `Close ${month}`}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Panel>
  );
}
