import { type FormEvent, useState } from 'react';
import { Link } from 'wouter';
import { api, enc, qs } from '../api.ts';
import { dayIn, formatDate, formatMoney, formatNumber, formatPeriod } from '../format.ts';
import { useSession } from '../session.tsx';
import { type Column, DataTable } from '../table.tsx';
import { ActionButton, Badge, DataView, ErrorMessage, fieldErrors, KpiValue, PageHeader, Pager, Panel, SelectField, TableWrap, TextField, useAsync } from '../ui.tsx';

interface Overview {
  from: string;
  to: string;
  currency: string;
  totals: Record<string, string | number>;
  funnel: { clicks: number; registrations: number; ftd_count: number; registration_rate: string | null; ftd_rate: string | null };
  top_partners: ({ partner_id: string; name: string } & Record<string, string | number>)[];
}

export function Overview() {
  const { config } = useSession();
  const tz = config.broker_time_zone;
  const from = dayIn(tz, 29);
  const to = dayIn(tz);
  const state = useAsync((signal) => api.get<Overview>(`/api/v1/reports/overview${qs({ from, to, limit: 10 })}`, { signal }), [from, to]);
  return (
    <>
      <PageHeader title="Overview" subtitle={formatPeriod(from, to, tz)} />
      <DataView state={state}>
        {(o) => (
          <>
            <div className="kpis">
              {(
                [
                  ['clicks', 'Clicks', o.funnel.clicks, false],
                  ['registrations', 'Registrations', o.funnel.registrations, false],
                  ['ftd_count', 'First deposits', o.funnel.ftd_count, false],
                  ['net_deposits', 'Net deposits', o.totals.net_deposits, true],
                  ['lots', 'Lots', o.totals.lots, false],
                  ['commission_approved', 'Commission approved', o.totals.commission_approved, true],
                ] as const
              ).map(([metric, label, value, money]) => (
                <div className="kpi card" key={metric} data-kpi={metric}>
                  <div className="kpi-label">{label}</div>
                  <KpiValue value={value} currency={money ? o.currency : undefined} />
                </div>
              ))}
            </div>
            <h2>Top partners</h2>
            {o.top_partners.length === 0 ? (
              <p className="state state-empty">No partner activity in this period.</p>
            ) : (
              <TableWrap label="Top partners" columns={['Partner', { label: 'Registrations', className: 'r' }, { label: 'Net deposits', className: 'r' }, { label: 'Lots', className: 'r' }, { label: 'Commission', className: 'r' }]}>
                {o.top_partners.map((p) => (
                  <tr key={p.partner_id}>
                    <td>
                      <div className="strong">{p.name}</div>
                      <div className="small muted">{p.partner_id}</div>
                    </td>
                    <td className="r">{formatNumber(p.registrations)}</td>
                    <td className="r">{formatMoney(p.net_deposits, o.currency)}</td>
                    <td className="r">{formatNumber(p.lots)}</td>
                    <td className="r">{formatMoney(p.commission_approved, o.currency)}</td>
                  </tr>
                ))}
              </TableWrap>
            )}
          </>
        )}
      </DataView>
    </>
  );
}

interface Partner {
  partner_id: string;
  name: string;
  email: string | null;
  status: string;
  parent_id: string | null;
  country: string | null;
  affiliate_id?: string | null;
  created_at?: string;
}

export function Partners() {
  const { can } = useSession();
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const [page, setPage] = useState(1);
  const [panel, setPanel] = useState<{ kind: 'create' } | { kind: 'move' | 'plan' | 'logins'; partner: Partner } | null>(null);
  const state = useAsync(
    (signal) => api.get<{ data: Partner[]; meta: { total?: number } }>(`/api/v1/partners${qs({ q: search, status, page, per_page: 50 })}`, { signal }),
    [search, status, page],
  );
  const writable = can('partners:write');
  const admin = can('admin');
  return (
    <>
      <PageHeader title="Partners" actions={writable ? <button type="button" className="btn btn-primary" onClick={() => setPanel({ kind: 'create' })}>New partner</button> : undefined} />
      <form
        className="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setPage(1);
          setSearch(q.trim());
        }}
      >
        <TextField label="Search name or email" value={q} onChange={setQ} type="search" />
        <SelectField
          label="Status"
          value={status}
          onChange={(v) => {
            setStatus(v);
            setPage(1);
          }}
          options={[
            { value: '', label: 'Any' },
            { value: 'active', label: 'Active' },
            { value: 'pending', label: 'Pending approval' },
            { value: 'suspended', label: 'Suspended' },
          ]}
        />
        <button type="submit" className="btn">
          Search
        </button>
      </form>
      {panel?.kind === 'create' && (
        <CreatePartner
          onClose={() => setPanel(null)}
          onDone={() => {
            setPanel(null);
            state.reload();
          }}
        />
      )}
      {panel?.kind === 'logins' && <PortalLogins partner={panel.partner} onClose={() => setPanel(null)} />}
      {panel && (panel.kind === 'move' || panel.kind === 'plan') && (
        <PartnerChange
          kind={panel.kind}
          partner={panel.partner}
          onClose={() => setPanel(null)}
          onDone={() => {
            setPanel(null);
            state.reload();
          }}
        />
      )}
      <DataView state={state} isEmpty={(d) => d.data.length === 0} empty={search || status ? 'No partner matches. Try another search.' : 'No partners yet. Create one, or let partners sign up in the portal.'}>
        {(d) => (
          <>
            <DataTable
              label="Partners"
              filename="partners"
              rows={d.data}
              rowKey={(p) => p.partner_id}
              columns={[
                {
                  id: 'name',
                  header: 'Partner',
                  value: (p) => p.name,
                  cell: (p) => (
                    <div>
                      <Link href={`/partners/${enc(p.partner_id)}`} className="strong">
                        {p.name}
                      </Link>
                      <div className="small muted">
                        {p.partner_id}
                        {p.email ? ` · ${p.email}` : ''}
                      </div>
                    </div>
                  ),
                },
                { id: 'partner_id', header: 'Partner id', value: (p) => p.partner_id, hidden: true },
                { id: 'email', header: 'Email', value: (p) => p.email, hidden: true },
                { id: 'status', header: 'Status', value: (p) => p.status, cell: (p) => <Badge>{p.status}</Badge> },
                { id: 'parent_id', header: 'Parent', value: (p) => p.parent_id, cell: (p) => <span className="small">{p.parent_id ?? '—'}</span> },
                { id: 'country', header: 'Country', value: (p) => p.country, cell: (p) => p.country ?? '—' },
                { id: 'created_at', header: 'Joined', value: (p) => p.created_at, cell: (p) => formatDate(p.created_at) },
                ...(writable
                  ? [
                      {
                        id: 'actions',
                        header: 'Actions',
                        srOnly: true,
                        cell: (p: Partner) => (
                          <div className="nowrap row-actions">
                            {p.status !== 'active' ? (
                              <ActionButton className="btn btn-small btn-primary" onClick={async () => (await api.post(`/api/v1/partners/${enc(p.partner_id)}/activate`, {}), state.reload())}>
                                Activate
                              </ActionButton>
                            ) : (
                              <ActionButton className="btn btn-small" confirm={`Suspend ${p.name}? Their links stop attributing.`} onClick={async () => (await api.post(`/api/v1/partners/${enc(p.partner_id)}/suspend`, {}), state.reload())}>
                                Suspend
                              </ActionButton>
                            )}{' '}
                            <button type="button" className="btn btn-small" onClick={() => setPanel({ kind: 'move', partner: p })}>
                              Move
                            </button>{' '}
                            {admin && (
                              <>
                                <button type="button" className="btn btn-small" onClick={() => setPanel({ kind: 'plan', partner: p })}>
                                  Plan
                                </button>{' '}
                                <button type="button" className="btn btn-small" onClick={() => setPanel({ kind: 'logins', partner: p })}>
                                  Logins
                                </button>
                              </>
                            )}
                          </div>
                        ),
                      } satisfies Column<Partner>,
                    ]
                  : []),
              ]}
            />
            {d.meta.total !== undefined && <Pager page={page} perPage={50} total={d.meta.total} onPage={setPage} />}
          </>
        )}
      </DataView>
    </>
  );
}

function CreatePartner({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const [f, setF] = useState({ name: '', email: '', parent_id: '', country: '', affiliate_id: '' });
  const [error, setError] = useState<unknown>();
  const errors = fieldErrors(error);
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      await api.post('/api/v1/partners', Object.fromEntries(Object.entries(f).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, v.trim()])));
      onDone();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Panel title="New partner" onClose={onClose}>
      <form className="form-grid" onSubmit={submit}>
        <TextField label="Name" required value={f.name} onChange={set('name')} error={errors.name} />
        <TextField label="Email" type="email" value={f.email} onChange={set('email')} error={errors.email} />
        <TextField label="Parent partner id (optional)" value={f.parent_id} onChange={set('parent_id')} error={errors.parent_id} />
        <TextField label="Affiliate id (optional)" value={f.affiliate_id} onChange={set('affiliate_id')} error={errors.affiliate_id} />
        <TextField label="Country (2 letters)" maxLength={2} value={f.country} onChange={set('country')} error={errors.country} />
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary">
            Create partner
          </button>
        </div>
      </form>
    </Panel>
  );
}

function PartnerChange({ kind, partner, onClose, onDone }: { kind: 'move' | 'plan'; partner: Partner; onClose: () => void; onDone: () => void }) {
  const [target, setTarget] = useState(kind === 'move' ? (partner.parent_id ?? '') : '');
  const [from, setFrom] = useState(new Date().toISOString().slice(0, 10));
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const errors = fieldErrors(error);
  const plans = useAsync(async (signal) => {
    if (kind !== 'plan') return { data: [] };
    const res = await api.get<{ data: { plan_id: string; definition?: { name?: string } }[] }>('/api/v1/plans', { signal });
    const names = new Map(res.data.map((v) => [v.plan_id, v.definition?.name]));
    return { data: [...names].map(([plan_id, name]) => ({ plan_id, name })) };
  }, [kind]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      if (kind === 'move') await api.post(`/api/v1/partners/${enc(partner.partner_id)}/move`, { parent_id: target.trim() || null, effective_from: `${from}T00:00:00Z`, ...(reason.trim() ? { reason: reason.trim() } : {}) });
      else await api.post(`/api/v1/partners/${enc(partner.partner_id)}/plan`, { plan_id: target, effective_from: from });
      onDone();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Panel title={kind === 'move' ? `Move ${partner.name} in the tree` : `Assign a plan to ${partner.name}`} onClose={onClose}>
      <form className="form-grid" onSubmit={submit}>
        {kind === 'move' ? (
          <TextField label="New parent partner id" value={target} onChange={setTarget} error={errors.parent_id} hint="Leave empty to make the partner top-level. Its whole subtree moves with it." />
        ) : (
          <SelectField label="Plan" value={target} onChange={setTarget} error={errors.plan_id} options={[{ value: '', label: plans.loading ? 'Loading plans…' : 'Choose a plan' }, ...(plans.data?.data ?? []).map((p) => ({ value: p.plan_id, label: p.name ? `${p.name} (${p.plan_id})` : p.plan_id }))]} />
        )}
        <TextField label="Effective from" type="date" required value={from} onChange={setFrom} error={errors.effective_from} />
        {kind === 'move' && <TextField label="Reason" value={reason} onChange={setReason} error={errors.reason} />}
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={kind === 'plan' && !target}>
            {kind === 'move' ? 'Move' : 'Assign plan'}
          </button>
        </div>
      </form>
    </Panel>
  );
}

interface PortalLogin {
  id: string;
  email: string;
  name: string;
  disabled: boolean;
  created_at: string;
}

/** A partner's portal logins: invite one, rename, disable or re-enable, reset a password (shown once). */
function PortalLogins({ partner, onClose }: { partner: Partner; onClose: () => void }) {
  const base = `/api/v1/partners/${enc(partner.partner_id)}/portal-users`;
  const state = useAsync((signal) => api.get<{ data: PortalLogin[] }>(base, { signal }), [base]);
  const [invite, setInvite] = useState({ email: '', name: '' });
  const [error, setError] = useState<unknown>();
  const [secret, setSecret] = useState<{ email: string; password: string }>();
  const errors = fieldErrors(error);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      const res = await api.post<{ data: PortalLogin; one_time_password?: string }>(base, { email: invite.email.trim(), ...(invite.name.trim() ? { name: invite.name.trim() } : {}) });
      if (res.one_time_password) setSecret({ email: res.data.email, password: res.one_time_password });
      setInvite({ email: '', name: '' });
      state.reload();
    } catch (err) {
      setError(err);
    }
  }
  const change = async (u: PortalLogin, body: Record<string, unknown>) => {
    const res = await api.patch<{ data: PortalLogin; one_time_password?: string }>(`${base}/${enc(u.id)}`, body);
    if (res.one_time_password) setSecret({ email: u.email, password: res.one_time_password });
    state.reload();
  };
  return (
    <Panel title={`Portal logins of ${partner.name}`} onClose={onClose}>
      {secret && (
        <div className="notice" role="status">
          One-time password for <span className="strong">{secret.email}</span>: <code>{secret.password}</code> — shown this once; hand it over by a safe channel.
        </div>
      )}
      <DataView state={state} isEmpty={(d) => d.data.length === 0} empty="This partner has no portal login yet. Invite one below.">
        {(d) => (
          <TableWrap label="Portal logins" columns={['Login', 'Status', 'Created', 'Actions']}>
            {d.data.map((u) => (
              <tr key={u.id}>
                <td>
                  <div className="strong">{u.name}</div>
                  <div className="small muted">{u.email}</div>
                </td>
                <td>
                  <Badge>{u.disabled ? 'disabled' : 'active'}</Badge>
                </td>
                <td>{formatDate(u.created_at)}</td>
                <td className="nowrap">
                  {u.disabled ? (
                    <ActionButton className="btn btn-small" onClick={() => change(u, { disabled: false })}>
                      Enable
                    </ActionButton>
                  ) : (
                    <ActionButton className="btn btn-small" confirm={`Disable ${u.email}? Their sessions end now.`} onClick={() => change(u, { disabled: true })}>
                      Disable
                    </ActionButton>
                  )}{' '}
                  <ActionButton className="btn btn-small" confirm={`Reset the password of ${u.email}? Their sessions end now.`} onClick={() => change(u, { reset_password: true })}>
                    Reset password
                  </ActionButton>
                </td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
      <form className="form-grid" onSubmit={submit}>
        <TextField label="Invite by email" type="email" required value={invite.email} onChange={(v) => setInvite({ ...invite, email: v })} error={errors.email} />
        <TextField label="Name (optional)" value={invite.name} onChange={(v) => setInvite({ ...invite, name: v })} error={errors.name} hint="Defaults to the partner's name." />
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary">
            Create login
          </button>
        </div>
      </form>
    </Panel>
  );
}
