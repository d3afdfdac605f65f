import { useState } from 'react';
import { api, enc, qs } from '../api.ts';
import { formatDate, formatDateTime, formatNumber, titleCase } from '../format.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, DataView, ErrorMessage, PageHeader, Panel, SelectField, TableWrap, TextField, useAsync } from '../ui.tsx';

interface Deal {
  deal_id: string;
  customer_id: string;
  symbol: string;
  side: string;
  lots: string;
  open_time: string | null;
  close_time: string;
  matched_with?: string;
}
interface Signal {
  signal: string;
  score: number;
  summary: string;
  evidence: { deals?: Deal[]; deal_ids?: string[]; accounts?: { customer_id: string; shared?: string[]; signup_date?: string }[]; identifiers?: string[]; figures?: Record<string, string | number> };
  date_from: string;
  date_to: string;
}
interface RiskCase {
  case_id: string;
  subject_type: 'customer' | 'partner';
  subject_id: string;
  partner_id: string | null;
  status: 'open' | 'confirmed' | 'dismissed';
  score: number;
  signals: Signal[];
  excluded_deals: string[];
  consequences: { hold?: boolean; on_confirm?: string; block_payout?: boolean };
  date_from: string;
  date_to: string;
  opened_at: string;
  closed_at: string | null;
  closed_by: string | null;
  decision_note: string | null;
}

const SIGNAL_LABELS: Record<string, string> = {
  hedging: 'Hedging across accounts',
  short_trades: 'Short-trade volume farming',
  linked_accounts: 'Linked accounts',
  cpa_deposit_run: 'CPA deposit and run',
  signup_burst: 'Sign-up burst',
  bot_clicks: 'Bot clicks',
  fast_signup: 'Impossible click → sign-up time',
  payout_details_change: 'Payout details changed',
};
const signalLabel = (s: string) => SIGNAL_LABELS[s] ?? titleCase(s);
const scoreTone = (score: number) => (score >= 80 ? 'rejected' : score >= 50 ? 'pending' : 'open');

/** Risk cases: what the signals found per customer and partner, reviewed and decided here. */
export function Risk() {
  const { can } = useSession();
  const [status, setStatus] = useState('open');
  const [selected, setSelected] = useState<string | null>(null);
  const state = useAsync((signal) => api.get<{ data: RiskCase[] }>(`/api/v1/risk/cases${qs({ status: status || undefined, limit: 500 })}`, { signal }), [status]);
  return (
    <>
      <PageHeader
        title="Risk"
        subtitle="Cases the fraud signals opened: hedging, short-trade farming, linked accounts, CPA abuse, sign-up bursts, bot traffic and payout detail changes. While a case is open its commissions are held and the partner's payout waits; a decision releases or reverses them."
        actions={
          can('payouts:write') ? (
            <ActionButton
              className="btn"
              onClick={async () => {
                await api.post('/api/v1/risk/scan', {});
                state.reload();
              }}
            >
              Scan now
            </ActionButton>
          ) : undefined
        }
      />
      <div className="toolbar">
        <SelectField
          label="Status"
          value={status}
          onChange={setStatus}
          options={[
            { value: 'open', label: 'Open' },
            { value: 'confirmed', label: 'Confirmed' },
            { value: 'dismissed', label: 'Dismissed' },
            { value: '', label: 'All' },
          ]}
        />
      </div>
      {selected && (
        <CasePanel
          caseId={selected}
          onClose={() => setSelected(null)}
          onDecided={() => {
            setSelected(null);
            state.reload();
          }}
        />
      )}
      <DataView state={state} isEmpty={(d) => d.data.length === 0} empty={status === 'open' ? 'No open risk cases.' : 'No risk cases.'}>
        {(d) => (
          <TableWrap label="Risk cases" columns={['Case', 'Subject', 'Partner', { label: 'Score', className: 'r' }, 'Signals', 'Status', 'Opened']}>
            {d.data.map((c) => (
              <tr key={c.case_id} data-case={c.case_id}>
                <td>
                  <button type="button" className="btn btn-small" onClick={() => setSelected(c.case_id)} aria-label={`Review case ${c.case_id}`}>
                    #{c.case_id}
                  </button>
                </td>
                <td>
                  <div className="strong">{c.subject_id}</div>
                  <div className="small muted">{c.subject_type}</div>
                </td>
                <td>{c.partner_id ?? <span className="muted">—</span>}</td>
                <td className="r">
                  <Badge tone={scoreTone(c.score)}>{formatNumber(c.score)}</Badge>
                </td>
                <td>{c.signals.map((s) => signalLabel(s.signal)).join(', ')}</td>
                <td>
                  <Badge tone={c.status === 'open' ? 'pending' : c.status === 'confirmed' ? 'rejected' : 'approved'}>{c.status}</Badge>
                </td>
                <td className="small">{formatDateTime(c.opened_at)}</td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
    </>
  );
}

function CasePanel({ caseId, onClose, onDecided }: { caseId: string; onClose: () => void; onDecided: () => void }) {
  const { can } = useSession();
  const state = useAsync((signal) => api.get<RiskCase>(`/api/v1/risk/cases/${enc(caseId)}`, { signal }), [caseId]);
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>();
  const decide = (decision: 'confirmed' | 'dismissed') => async () => {
    setError(undefined);
    try {
      await api.post(`/api/v1/risk/cases/${enc(caseId)}/decision`, { decision, ...(note.trim() ? { note: note.trim() } : {}) });
      onDecided();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Panel title={`Risk case #${caseId}`} onClose={onClose}>
      <DataView state={state}>
        {(c) => (
          <>
            <p>
              {c.subject_type === 'customer' ? 'Customer' : 'Partner'} <strong>{c.subject_id}</strong>
              {c.partner_id && c.subject_type === 'customer' ? ` of partner ${c.partner_id}` : ''} · score <strong>{c.score}</strong> · evidence {formatDate(c.date_from)}
              {c.date_to !== c.date_from ? ` – ${formatDate(c.date_to)}` : ''}
            </p>
            <p className="small muted">
              {c.consequences.hold !== false ? 'Commissions from the first day of the evidence are held while the case is open. ' : ''}
              {c.consequences.block_payout !== false ? 'The partner\'s payout waits until the case is closed. ' : ''}
              Confirming {c.consequences.on_confirm === 'reverse_all' ? 'reverses everything the customer earned from the first day' : c.consequences.on_confirm === 'release' ? 'releases the pay' : 'excludes the listed deals from pay and tier volume'}; dismissing releases what was held.
            </p>
            {c.signals.map((s) => (
              <section key={s.signal} className="evidence">
                <h3>
                  {signalLabel(s.signal)} <Badge tone={scoreTone(s.score)}>{s.score}</Badge>
                </h3>
                <p>{s.summary}</p>
                {s.evidence.deals && s.evidence.deals.length > 0 && (
                  <TableWrap label={`${signalLabel(s.signal)}: deals`} columns={['Deal', 'Customer', 'Symbol', 'Side', { label: 'Lots', className: 'r' }, 'Opened', 'Closed', 'Matched with']}>
                    {s.evidence.deals.map((d) => (
                      <tr key={d.deal_id}>
                        <td>{d.deal_id}</td>
                        <td>{d.customer_id}</td>
                        <td>{d.symbol}</td>
                        <td>{d.side}</td>
                        <td className="r">{d.lots}</td>
                        <td className="small">{formatDateTime(d.open_time)}</td>
                        <td className="small">{formatDateTime(d.close_time)}</td>
                        <td>{d.matched_with ?? '—'}</td>
                      </tr>
                    ))}
                  </TableWrap>
                )}
                {s.evidence.deal_ids && s.evidence.deal_ids.length > 0 && <p className="small">Deals: {s.evidence.deal_ids.join(', ')}</p>}
                {s.evidence.accounts && s.evidence.accounts.length > 0 && (
                  <TableWrap label={`${signalLabel(s.signal)}: accounts`} columns={['Other customer', 'Shares', 'Signed up']}>
                    {s.evidence.accounts.map((a) => (
                      <tr key={a.customer_id}>
                        <td>{a.customer_id}</td>
                        <td>{a.shared?.map(titleCase).join(', ') ?? '—'}</td>
                        <td className="small">{a.signup_date ? formatDateTime(a.signup_date) : '—'}</td>
                      </tr>
                    ))}
                  </TableWrap>
                )}
                {s.evidence.figures && (
                  <dl className="figures small">
                    {Object.entries(s.evidence.figures).map(([k, v]) => (
                      <div key={k}>
                        <dt>{titleCase(k)}</dt>
                        <dd>{String(v)}</dd>
                      </div>
                    ))}
                  </dl>
                )}
              </section>
            ))}
            {c.status !== 'open' ? (
              <p>
                <Badge tone={c.status === 'confirmed' ? 'rejected' : 'approved'}>{c.status}</Badge> {c.closed_at ? `on ${formatDateTime(c.closed_at)}` : ''} {c.closed_by ? `by ${c.closed_by}` : ''}
                {c.decision_note ? ` — ${c.decision_note}` : ''}
              </p>
            ) : can('payouts:write') ? (
              <>
                <TextField label="Note (kept with the decision and in the audit log)" value={note} onChange={setNote} maxLength={2000} />
                <ErrorMessage error={error} />
                <div className="form-actions">
                  <ActionButton className="btn btn-danger" onClick={decide('confirmed')} confirm="Confirm this case? Its consequences apply to the ledger.">
                    Confirm fraud
                  </ActionButton>
                  <ActionButton className="btn" onClick={decide('dismissed')}>
                    Dismiss
                  </ActionButton>
                </div>
              </>
            ) : null}
          </>
        )}
      </DataView>
    </Panel>
  );
}
