import { type FormEvent, useState } from 'react';
import { Link, useParams, useSearch } from 'wouter';
import { api, ApiError, download, enc, qs } from '../api.ts';
import { formatDateTime, formatMoney, formatMonth, formatPeriod, titleCase } from '../format.ts';
import type { Statement } from '../portal/earnings.tsx';
import { useSession } from '../session.tsx';
import { type Column, DataTable } from '../table.tsx';
import { ActionButton, Badge, DataView, ErrorMessage, fieldErrors, Money, PageHeader, Panel, TableWrap, TextField, useAsync } from '../ui.tsx';

interface Run {
  run_id: string;
  period: string;
  period_start: string;
  period_end: string;
  as_of: string;
  created_by: string;
  created_at: string;
  by_status: Record<string, number>;
}

function lastMonth(): string {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
}

export function PayoutRuns() {
  const { can, config } = useSession();
  const runs = useAsync((signal) => api.get<{ data: Run[] }>('/api/v1/payout-runs', { signal }), []);
  // The Periods page links here with ?period=YYYY-MM.
  const asked = new URLSearchParams(useSearch()).get('period');
  const [period, setPeriod] = useState(asked && /^\d{4}-\d{2}$/.test(asked) ? asked : lastMonth());
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Run | null>(null);
  const writable = can('payouts:write');
  const existing = runs.data?.data.find((r) => r.period === period.trim());
  async function run(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setCreated(null);
    try {
      const r = await api.post<Run>('/api/v1/payout-runs', { period: period.trim() });
      setCreated(r);
      runs.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <PageHeader title="Payouts" subtitle={`Payout runs draft one statement per partner for a closed period (broker time zone ${config.broker_time_zone}).`} />
      {writable && (
        <form className="card inline-form" onSubmit={run} aria-label="Run payouts for a period">
          <TextField label="Period" value={period} onChange={setPeriod} placeholder="YYYY-MM" error={fieldErrors(error).period} hint={existing ? `A run for ${existing.period} exists already; a new one only drafts what is left to pay.` : 'A closed month, e.g. 2026-03.'} />
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Running…' : 'Run payouts'}
          </button>
          <div className="form-feedback">
            <ErrorMessage error={error} />
            {error instanceof ApiError && error.code === 'payout_run_exists' && existing && (
              <p className="small">
                <Link href={`/payouts/${existing.run_id}`}>Review the run for {formatMonth(existing.period)}</Link>
              </p>
            )}
            {error instanceof ApiError && error.code === 'period_open' && (
              <p className="small">
                <Link href="/periods">Close the month on the Periods page</Link> first.
              </p>
            )}
            {created && (
              <p className="notice" role="status">
                Run for {created.period} created. <Link href={`/payouts/${created.run_id}`}>Review its statements</Link>.
              </p>
            )}
          </div>
        </form>
      )}
      <DataView state={runs} isEmpty={(d) => d.data.length === 0} empty="No payout runs yet. Close a month on the Periods page, then run payouts for it.">
        {(d) => (
          <TableWrap label="Payout runs" columns={['Period', 'Statements', 'Created', { label: 'Open', srOnly: true }]}>
            {d.data.map((r) => (
              <tr key={r.run_id}>
                <td>
                  <div className="strong">{r.period}</div>
                  <div className="small muted">{formatPeriod(r.period_start, r.period_end, config.broker_time_zone)}</div>
                </td>
                <td>
                  {Object.entries(r.by_status).map(([s, n]) => (
                    <span key={s} className="badge-gap">
                      <Badge tone={s}>{`${n} ${s}`}</Badge>
                    </span>
                  ))}
                </td>
                <td>
                  {formatDateTime(r.created_at)}
                  <div className="small muted">{r.created_by}</div>
                </td>
                <td>
                  <Link href={`/payouts/${r.run_id}`} className="btn btn-small">
                    Review
                  </Link>
                </td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
    </>
  );
}

type Action = 'review' | 'approve' | 'hold' | 'reject' | 'pay' | 'fail';
const ALLOWED: Record<string, Action[]> = {
  draft: ['review', 'approve', 'hold', 'reject'],
  reviewed: ['approve', 'hold', 'reject'],
  held: ['approve', 'reject'],
  approved: ['pay', 'hold', 'fail'],
  paid: ['fail'],
  failed: ['approve', 'reject'],
};
const ACTION_LABEL: Partial<Record<Action, string>> = { pay: 'Mark paid', fail: 'Payment failed' };
const labelOf = (a: Action) => ACTION_LABEL[a] ?? titleCase(a);

export function PayoutRun() {
  const { run_id } = useParams<{ run_id: string }>();
  const { can, config } = useSession();
  const state = useAsync((signal) => api.get<Run & { statements: Statement[] }>(`/api/v1/payout-runs/${enc(run_id)}`, { signal }), [run_id]);
  const [acting, setActing] = useState<{ statement: Statement; action: Action } | null>(null);
  const writable = can('payouts:write');
  async function act(statement: Statement, action: Action, body: Record<string, string> = {}) {
    await api.post(`/api/v1/statements/${enc(statement.statement_id)}/${action}`, body);
    state.reload();
  }
  return (
    <>
      <PageHeader
        title={state.data ? `Payout run ${state.data.period}` : 'Payout run'}
        subtitle={state.data ? formatPeriod(state.data.period_start, state.data.period_end, config.broker_time_zone) : undefined}
        actions={
          <>
            <Link href="/payouts" className="btn btn-ghost">
              All runs
            </Link>
            <ActionButton className="btn" onClick={() => download(`/api/v1/payout-runs/${enc(run_id)}/export${qs({ format: 'csv' })}`, `payout-run-${run_id}.csv`)}>
              Export approved (CSV)
            </ActionButton>
          </>
        }
      />
      {acting && (
        <ActionForm
          statement={acting.statement}
          action={acting.action}
          onClose={() => setActing(null)}
          onDone={async (body) => {
            await act(acting.statement, acting.action, body);
            setActing(null);
          }}
        />
      )}
      <DataView state={state} isEmpty={(d) => d.statements.length === 0} empty="This run has no statements: no partner had approved, unpaid commission for the period.">
        {(d) => (
          <DataTable
            label="Statements"
            filename={`payout-run-${d.period}-statements`}
            rows={d.statements}
            rowKey={(s) => s.statement_id}
            rowData={(s) => ({ partner: s.partner_id })}
            columns={[
              {
                id: 'partner_name',
                header: 'Partner',
                value: (s) => s.partner_name,
                cell: (s) => (
                  <div>
                    <Link href={`/partners/${enc(s.partner_id)}`} className="strong">
                      {s.partner_name}
                    </Link>
                    <div className="small muted">
                      {s.partner_id} · {s.entries} entries
                    </div>
                  </div>
                ),
              },
              { id: 'partner_id', header: 'Partner id', value: (s) => s.partner_id, hidden: true },
              {
                id: 'status',
                header: 'Status',
                value: (s) => s.status,
                cell: (s) => (
                  <div>
                    <Badge>{s.status}</Badge>
                    {s.status_reason ? <div className="small muted">{s.status_reason}</div> : null}
                    {s.carry_reason ? <div className="small muted">{s.carry_reason}</div> : null}
                  </div>
                ),
              },
              { id: 'currency', header: 'Currency', value: (s) => s.currency, hidden: true },
              { id: 'period_amount', header: 'Period amount', className: 'r', sort: 'decimal', value: (s) => s.period_amount, cell: (s) => <Money value={s.period_amount} currency={s.currency} /> },
              { id: 'amount_payable', header: 'Payable', className: 'r', sort: 'decimal', value: (s) => s.amount_payable, cell: (s) => <Money value={s.amount_payable} currency={s.currency} /> },
              {
                id: 'download',
                header: 'Download',
                noExport: true,
                cell: (s) => (
                  <div className="nowrap row-actions">
                    <ActionButton className="btn btn-small" onClick={() => download(`/api/v1/statements/${enc(s.statement_id)}/csv`, `statement-${s.partner_id}.csv`)}>
                      CSV
                    </ActionButton>
                    <ActionButton className="btn btn-small" onClick={() => download(`/api/v1/statements/${enc(s.statement_id)}/pdf`, `statement-${s.partner_id}.pdf`)}>
                      PDF
                    </ActionButton>
                  </div>
                ),
              },
              ...(writable
                ? [
                    {
                      id: 'actions',
                      header: 'Actions',
                      noExport: true,
                      cell: (s: Statement) => (
                        <div className="nowrap row-actions">
                          {(ALLOWED[s.status] ?? []).map((a) =>
                            a === 'hold' || a === 'reject' || a === 'pay' || a === 'fail' ? (
                              <button key={a} type="button" className={`btn btn-small${a === 'reject' || a === 'fail' ? ' btn-danger' : ''}`} onClick={() => setActing({ statement: s, action: a })}>
                                {labelOf(a)}
                              </button>
                            ) : (
                              <ActionButton key={a} className={`btn btn-small${a === 'approve' ? ' btn-primary' : ''}`} onClick={() => act(s, a)}>
                                {titleCase(a)}
                              </ActionButton>
                            ),
                          )}
                        </div>
                      ),
                    } satisfies Column<Statement>,
                  ]
                : []),
            ]}
          />
        )}
      </DataView>
    </>
  );
}

function ActionForm({ statement, action, onClose, onDone }: { statement: Statement; action: Action; onClose: () => void; onDone: (body: Record<string, string>) => Promise<void> }) {
  const [reason, setReason] = useState('');
  const [reference, setReference] = useState('');
  const [paidOn, setPaidOn] = useState(new Date().toISOString().slice(0, 10));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error);
  const label = labelOf(action);
  return (
    <Panel title={`${label}: ${statement.partner_name} (${formatMoney(statement.amount_payable, statement.currency)})`} onClose={onClose}>
      <form
        className="form-grid"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            await onDone(action === 'pay' ? { reference: reference.trim(), paid_on: paidOn } : { reason: reason.trim() });
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        {action === 'pay' ? (
          <>
            <TextField label="Payment reference" required value={reference} onChange={setReference} error={errors.reference} placeholder="WIRE-2026-04-0012" />
            <TextField label="Paid on" type="date" required value={paidOn} onChange={setPaidOn} error={errors.paid_on} />
          </>
        ) : (
          <TextField
            label="Reason"
            required
            value={reason}
            onChange={setReason}
            error={errors.reason}
            hint={action === 'fail' ? 'Why the payment did not reach the partner (returned, rejected by the bank…). A paid statement goes back to approved entries; approve it to pay again.' : 'Shown to the partner on the statement.'}
          />
        )}
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className={`btn ${action === 'reject' || action === 'fail' ? 'btn-danger' : 'btn-primary'}`} disabled={busy}>
            {busy ? '…' : label}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Panel>
  );
}
