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
            <TableWrap label="Clients">
              <thead>
                <tr>
                  <th>Client</th>
                  <th>Status</th>
                  <th>Signed up</th>
                  <th className="r">First deposit</th>
                  <th className="r">Net deposits</th>
                  <th className="r">Lots</th>
                  <th className="r">Commission</th>
                </tr>
              </thead>
              <tbody>
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
              </tbody>
            </TableWrap>
            <Pager page={d.meta.page} perPage={d.meta.per_page} total={d.meta.total} onPage={setPage} />
          </>
        )}
      </DataView>
    </>
  );
}

interface Node {
  partner_id: string;
  name: string;
  parent_id: string | null;
  depth: number;
  own: Record<string, string | number>;
  subtree: Record<string, string | number>;
}

export function Team() {
  const { me, config } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const tz = config.broker_time_zone;
  const from = dayIn(tz, 29);
  const to = dayIn(tz);
  const state = useAsync((signal) => api.get<{ data: Node[] }>(`/api/v1/reports/partners/${enc(partnerId)}/subtree${qs({ from, to })}`, { signal }), [partnerId, from, to]);
  const [open, setOpen] = useState<Set<string>>(new Set([partnerId]));
  const toggle = (id: string) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  return (
    <>
      <PageHeader title="Sub-IB tree" subtitle={`Your team and each partner's numbers over ${formatPeriod(from, to, tz)}.`} />
      <DataView state={state} isEmpty={(d) => d.data.length <= 1} empty="No sub-IBs yet. Create a recruit link on the Links page and share it with partners you want in your team.">
        {(d) => {
          const children = new Map<string, Node[]>();
          for (const n of d.data) if (n.parent_id) children.set(n.parent_id, [...(children.get(n.parent_id) ?? []), n]);
          const root = d.data.find((n) => n.partner_id === partnerId) ?? d.data[0];
          const render = (n: Node) => {
            const kids = children.get(n.partner_id) ?? [];
            const expanded = open.has(n.partner_id);
            return (
              <li key={n.partner_id} role="treeitem" aria-expanded={kids.length ? expanded : undefined} aria-selected={false}>
                <div className="tree-row">
                  {kids.length ? (
                    <button type="button" className="btn btn-small tree-toggle" aria-label={`${expanded ? 'Collapse' : 'Expand'} ${n.name}`} onClick={() => toggle(n.partner_id)}>
                      {expanded ? '−' : '+'}
                    </button>
                  ) : (
                    <span className="tree-leaf" aria-hidden="true">•</span>
                  )}
                  <span className="strong">{n.name}</span>
                  <span className="small muted">{n.partner_id}</span>
                  <span className="tree-figures">
                    <span title="Registrations (with their team)">{formatNumber(n.subtree.registrations)} reg.</span>
                    <span title="First deposits">{formatNumber(n.subtree.ftd_count)} FTD</span>
                    <span title="Net deposits">{formatMoney(n.subtree.net_deposits, 'USD')}</span>
                    <span title="Lots">{formatNumber(n.subtree.lots)} lots</span>
                  </span>
                </div>
                {kids.length > 0 && expanded && <ul role="group">{kids.map(render)}</ul>}
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
