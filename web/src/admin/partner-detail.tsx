import { type FormEvent, useEffect, useId, useState } from 'react';
import { Link } from 'wouter';
import { api, enc, qs } from '../api.ts';
import { dayIn, formatDate, formatPeriod } from '../format.ts';
import { useSession } from '../session.tsx';
import { Badge, DataView, ErrorMessage, fieldErrors, KpiValue, Money, PageHeader, Panel, TableWrap, TextField, useAsync } from '../ui.tsx';

export interface Partner {
  partner_id: string;
  name: string;
  email: string | null;
  status: string;
  parent_id: string | null;
  country: string | null;
  affiliate_id?: string | null;
  payout_currency?: string | null;
  created_at?: string;
}
interface Assignment {
  plan_id: string;
  effective_from: string;
  effective_to: string | null;
}
interface Entry {
  entry_id: string;
  currency: string;
  amount: string;
  kind: string;
  level: number;
  status: string;
  fact_date: string;
  customer_id: string | null;
}
interface Statement {
  statement_id: string;
  period: string;
  status: string;
  currency: string;
  amount_payable: string;
}
interface Login {
  id: string;
  email: string;
  name: string;
  disabled: boolean;
}
interface PartnerLink {
  link_id: string;
  code: string;
  kind: string;
  label: string | null;
  url: string;
  status: string;
}
type Kpis = Record<string, string | number>;

const FIGURES = [
  { metric: 'registrations', label: 'Registrations' },
  { metric: 'ftd_count', label: 'First deposits' },
  { metric: 'net_deposits', label: 'Net deposits', money: true },
  { metric: 'lots', label: 'Lots traded' },
  { metric: 'commission_approved', label: 'Commission approved', money: true },
  { metric: 'commission_pending', label: 'Commission pending', money: true },
];

/** One partner on one page: figures, plan and its history, place in the tree (with a move), ledger, statements, logins, links. */
export function PartnerDetail({ params }: { params: { id: string } }) {
  const id = decodeURIComponent(params.id);
  const { config, can } = useSession();
  const tz = config.broker_time_zone;
  const from = dayIn(tz, 29);
  const to = dayIn(tz);
  const partner = useAsync((signal) => api.get<Partner>(`/api/v1/partners/${enc(id)}`, { signal }), [id]);
  const parent = useAsync(
    (signal) => (partner.data?.parent_id ? api.get<Partner>(`/api/v1/partners/${enc(partner.data.parent_id)}`, { signal }) : Promise.resolve(null)),
    [partner.data?.parent_id],
  );
  const children = useAsync((signal) => api.get<{ data: Partner[] }>(`/api/v1/partners${qs({ parent_id: id, per_page: 100 })}`, { signal }), [id]);
  const summary = useAsync((signal) => api.get<{ currency: string; subtree: Kpis }>(`/api/v1/reports/partners/${enc(id)}/summary${qs({ from, to })}`, { signal }), [id, from, to]);
  const plans = useAsync((signal) => api.get<{ data: Assignment[] }>(`/api/v1/partners/${enc(id)}/plan`, { signal }), [id]);
  const ledger = useAsync((signal) => api.get<{ data: Entry[]; meta: { total?: number } }>(`/api/v1/partners/${enc(id)}/ledger${qs({ per_page: 20 })}`, { signal }), [id]);
  const statements = useAsync((signal) => api.get<{ data: Statement[] }>(`/api/v1/statements${qs({ partner_id: id })}`, { signal }), [id]);
  const logins = useAsync((signal) => api.get<{ data: Login[] }>(`/api/v1/partners/${enc(id)}/portal-users`, { signal }), [id]);
  const links = useAsync((signal) => api.get<{ data: PartnerLink[] }>(`/api/v1/partners/${enc(id)}/links${qs({ per_page: 100 })}`, { signal }), [id]);
  const [moving, setMoving] = useState(false);
  const p = partner.data;
  return (
    <>
      <PageHeader
        title={p?.name ?? 'Partner'}
        subtitle={p ? `${p.partner_id}${p.affiliate_id ? ` · affiliate ${p.affiliate_id}` : ''}${p.email ? ` · ${p.email}` : ''}` : undefined}
        actions={
          <Link href="/partners" className="btn">
            All partners
          </Link>
        }
      />
      <DataView state={partner}>
        {(p) => (
          <>
            <p>
              <Badge>{p.status}</Badge> {p.country ? <span className="muted">· {p.country}</span> : null} {p.created_at ? <span className="muted">· joined {formatDate(p.created_at)}</span> : null}
            </p>
            <section aria-labelledby="figures-heading">
              <h2 id="figures-heading">Last 30 days, with its team</h2>
              <p className="small muted">{formatPeriod(from, to, tz)}</p>
              <DataView state={summary}>
                {(s) => (
                  <div className="kpis">
                    {FIGURES.map((f) => (
                      <div className="kpi card" key={f.metric} data-kpi={f.metric}>
                        <div className="kpi-label">{f.label}</div>
                        <KpiValue value={s.subtree[f.metric]} currency={f.money ? s.currency : undefined} />
                      </div>
                    ))}
                  </div>
                )}
              </DataView>
            </section>
            <div className="grid-2">
              <section className="card" aria-labelledby="tree-heading">
                <h2 id="tree-heading">Place in the tree</h2>
                <dl className="details">
                  <div>
                    <dt>Parent</dt>
                    <dd data-parent>{p.parent_id ? parent.data ? <Link href={`/partners/${enc(p.parent_id)}`}>{parent.data.name}</Link> : p.parent_id : 'None (top level)'}</dd>
                  </div>
                  <div>
                    <dt>Direct sub-IBs</dt>
                    <dd>
                      {children.data?.data.length
                        ? children.data.data.map((c, i) => (
                            <span key={c.partner_id}>
                              {i ? ', ' : ''}
                              <Link href={`/partners/${enc(c.partner_id)}`}>{c.name}</Link>
                            </span>
                          ))
                        : 'None'}
                    </dd>
                  </div>
                </dl>
                {can('partners:write') && (
                  <button type="button" className="btn" onClick={() => setMoving(true)}>
                    Move in the tree…
                  </button>
                )}
              </section>
              <section className="card" aria-labelledby="plan-heading">
                <h2 id="plan-heading">Plan and its history</h2>
                <DataView state={plans} isEmpty={(d) => d.data.length === 0} empty="No plan assigned: this partner earns nothing yet.">
                  {(d) => (
                    <ul className="plain-list">
                      {[...d.data].reverse().map((a) => (
                        <li key={`${a.plan_id}-${a.effective_from}`}>
                          <Link href="/plans">{a.plan_id}</Link> <span className="muted">from {formatDate(a.effective_from)}{a.effective_to ? ` to ${formatDate(a.effective_to)}` : ' (current)'}</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </DataView>
              </section>
            </div>
            {moving && (
              <MovePartner
                partner={p}
                onClose={() => setMoving(false)}
                onDone={() => {
                  setMoving(false);
                  partner.reload();
                }}
              />
            )}
            <section aria-labelledby="ledger-heading">
              <h2 id="ledger-heading">Ledger, latest entries</h2>
              <DataView state={ledger} isEmpty={(d) => d.data.length === 0} empty="No ledger entries yet.">
                {(d) => (
                  <TableWrap label="Ledger entries" columns={['Date', 'Kind', 'Client', 'Status', { label: 'Amount', className: 'r' }]}>
                    {d.data.map((e) => (
                      <tr key={e.entry_id}>
                        <td className="nowrap">{formatDate(e.fact_date)}</td>
                        <td>
                          {e.kind.replace(/_/g, ' ')}
                          {e.level > 0 ? ` · level ${e.level}` : ''}
                        </td>
                        <td className="mono small">{e.customer_id ?? '—'}</td>
                        <td>
                          <Badge>{e.status}</Badge>
                        </td>
                        <td className="r">
                          <Money value={e.amount} currency={e.currency} />
                        </td>
                      </tr>
                    ))}
                  </TableWrap>
                )}
              </DataView>
            </section>
            <div className="grid-2">
              <section className="card" aria-labelledby="statements-heading">
                <h2 id="statements-heading">Statements</h2>
                <DataView state={statements} isEmpty={(d) => d.data.length === 0} empty="No statements yet.">
                  {(d) => (
                    <ul className="plain-list">
                      {d.data.map((s) => (
                        <li key={s.statement_id}>
                          {s.period} · <Badge>{s.status}</Badge> · <Money value={s.amount_payable} currency={s.currency} />
                        </li>
                      ))}
                    </ul>
                  )}
                </DataView>
              </section>
              <section className="card" aria-labelledby="logins-heading">
                <h2 id="logins-heading">Portal logins</h2>
                <DataView state={logins} isEmpty={(d) => d.data.length === 0} empty="No portal login. Invite one from the partners list.">
                  {(d) => (
                    <ul className="plain-list">
                      {d.data.map((l) => (
                        <li key={l.id}>
                          {l.name || l.email} <span className="muted">· {l.email}</span> {l.disabled ? <Badge>disabled</Badge> : null}
                        </li>
                      ))}
                    </ul>
                  )}
                </DataView>
              </section>
            </div>
            <section aria-labelledby="links-heading">
              <h2 id="links-heading">Links</h2>
              <DataView state={links} isEmpty={(d) => d.data.length === 0} empty="No links yet.">
                {(d) => (
                  <TableWrap label="Links" columns={['Link', 'Kind', 'Status']}>
                    {d.data.map((l) => (
                      <tr key={l.link_id}>
                        <td>
                          <div className="strong">{l.label ?? l.code}</div>
                          <div className="mono small muted break">{l.url}</div>
                        </td>
                        <td>{l.kind}</td>
                        <td>
                          <Badge>{l.status}</Badge>
                        </td>
                      </tr>
                    ))}
                  </TableWrap>
                )}
              </DataView>
            </section>
          </>
        )}
      </DataView>
    </>
  );
}

/** Moves a partner under another one, found by name (or to the top level), from a date. */
function MovePartner({ partner, onClose, onDone }: { partner: Partner; onClose: () => void; onDone: () => void }) {
  const { config } = useSession();
  const [target, setTarget] = useState<Partner | null>(null);
  const [topLevel, setTopLevel] = useState(false);
  const [from, setFrom] = useState(dayIn(config.broker_time_zone));
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!target && !topLevel) {
      setError(new Error('Pick the new parent, or choose the top level.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.post(`/api/v1/partners/${enc(partner.partner_id)}/move`, {
        parent_id: topLevel ? null : target!.partner_id,
        // Today means now (a partner created today cannot move before it joined); another day, from its start.
        ...(from === dayIn(config.broker_time_zone) ? {} : { effective_from: `${from}T00:00:00Z` }),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Panel title={`Move ${partner.name}`} onClose={onClose}>
      <form onSubmit={submit} className="form-grid">
        <PartnerPicker label="New parent" exclude={partner.partner_id} value={target} onChange={setTarget} disabled={topLevel} error={errors.parent_id} />
        <label className="field-check field">
          <input type="checkbox" checked={topLevel} onChange={(e) => setTopLevel(e.target.checked)} /> Make it a top-level partner
        </label>
        <TextField label="From" type="date" value={from} onChange={setFrom} error={errors.effective_from} />
        <TextField label="Reason (optional)" value={reason} onChange={setReason} />
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Moving…' : 'Move partner'}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Panel>
  );
}

/** Finds a partner by name (or id, email) as you type and picks one: nobody types raw ids. */
export function PartnerPicker({ label, value, onChange, exclude, disabled, error }: { label: string; value: Partner | null; onChange: (p: Partner | null) => void; exclude?: string; disabled?: boolean; error?: string }) {
  const id = useId();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<Partner[]>([]);
  useEffect(() => {
    if (q.trim().length < 2 || value) {
      setResults([]);
      return;
    }
    const ctrl = new AbortController();
    const timer = window.setTimeout(() => {
      api
        .get<{ data: Partner[] }>(`/api/v1/partners${qs({ q: q.trim(), per_page: 10 })}`, { signal: ctrl.signal })
        .then((r) => setResults(r.data.filter((p) => p.partner_id !== exclude)))
        .catch(() => undefined);
    }, 200);
    return () => {
      ctrl.abort();
      window.clearTimeout(timer);
    };
  }, [q, value, exclude]);
  if (value)
    return (
      <div className="field">
        <span className="field-label">{label}</span>
        <div className="chip" data-picked={value.partner_id}>
          {value.name} <span className="muted small">{value.partner_id}</span>{' '}
          <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange(null)} aria-label={`Change ${label.toLowerCase()}`}>
            Change
          </button>
        </div>
      </div>
    );
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={q} onChange={(e) => setQ(e.target.value)} disabled={disabled} placeholder="Type a name" autoComplete="off" aria-describedby={`${id}-hint`} />
      <div id={`${id}-hint`} className={error ? 'field-error' : 'field-hint'}>
        {error ?? 'At least two letters of the name, id or email.'}
      </div>
      {results.length > 0 && (
        <ul className="picker-results" aria-label={`Partners matching ${q}`}>
          {results.map((p) => (
            <li key={p.partner_id}>
              <button type="button" className="list-item" onClick={() => onChange(p)}>
                <span className="strong">{p.name}</span>
                <span className="small muted">
                  {p.partner_id}
                  {p.email ? ` · ${p.email}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
