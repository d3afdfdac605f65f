import { type FormEvent, useState } from 'react';
import { api, download, enc, qs, routeExists } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { useSession } from '../session.tsx';
import { DataTable } from '../table.tsx';
import { ActionButton, Badge, CopyButton, DataView, Empty, ErrorMessage, fieldErrors, PageHeader, Panel, TableWrap, TextField, useAsync } from '../ui.tsx';

interface Client {
  client_id: string;
  name: string;
  scopes: string[];
  partner_id: string | null;
  created_at: string;
  revoked_at: string | null;
  last_used_at?: string | null;
}

const SCOPES = ['customers:write', 'customers:read', 'transactions:write', 'transactions:read', 'activity:write', 'activity:read', 'postbacks:read', 'postbacks:write', 'partners:write', 'partners:read', 'payouts:read', 'reports:read', 'payouts:write', 'read:all', 'admin'];

export function ApiClients() {
  const { can } = useSession();
  const admin = can('admin');
  const clients = useAsync((signal) => api.get<{ data: Client[] }>('/api/v1/clients', { signal }), []);
  // Rotating a secret is offered only when this server has the route.
  const rotatable = useAsync(() => routeExists('POST', '/api/v1/clients/{client_id}/rotate-secret'), []);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ client_id: string; client_secret: string } | null>(null);
  return (
    <>
      <PageHeader title="API clients" subtitle="Machine access to the API (OAuth client credentials)." actions={admin ? <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>New API client</button> : undefined} />
      {secret && (
        <Panel title="Client secret" onClose={() => setSecret(null)}>
          <p>Store this secret now: it is shown only once.</p>
          <dl className="details">
            <div><dt>client_id</dt><dd className="mono">{secret.client_id}</dd></div>
            <div><dt>client_secret</dt><dd className="mono break">{secret.client_secret} <CopyButton text={secret.client_secret} /></dd></div>
          </dl>
        </Panel>
      )}
      {creating && (
        <NewClient
          onClose={() => setCreating(false)}
          onCreated={(s) => {
            setCreating(false);
            setSecret(s);
            clients.reload();
          }}
        />
      )}
      <DataView state={clients} isEmpty={(d) => d.data.length === 0} empty="No API clients yet.">
        {(d) => (
          <TableWrap label="API clients" columns={['Client', 'Scopes', 'Created', admin && 'Actions']}>
            {d.data.map((c) => (
              <tr key={c.client_id}>
                <td>
                  <div className="strong">{c.name}</div>
                  <div className="mono small muted">{c.client_id}</div>
                  {c.partner_id ? <div className="small muted">Partner {c.partner_id}</div> : null}
                </td>
                <td>
                  {c.scopes.map((s) => (
                    <span key={s} className="badge-gap">
                      <Badge tone="scope">{s}</Badge>
                    </span>
                  ))}
                </td>
                <td>
                  {formatDateTime(c.created_at)}
                  {c.revoked_at ? <div><Badge tone="rejected">revoked</Badge></div> : null}
                </td>
                {admin && (
                  <td className="nowrap">
                    {!c.revoked_at && rotatable.data && (
                      <ActionButton className="btn btn-small" confirm={`Rotate the secret of ${c.name}? The old secret stops working.`} onClick={async () => setSecret(await api.post(`/api/v1/clients/${enc(c.client_id)}/rotate-secret`, {}))}>
                        Rotate secret
                      </ActionButton>
                    )}{' '}
                    {!c.revoked_at && (
                      <ActionButton className="btn btn-small btn-danger" confirm={`Revoke ${c.name}? Its tokens stop working.`} onClick={async () => (await api.del(`/api/v1/clients/${enc(c.client_id)}`), clients.reload())}>
                        Revoke
                      </ActionButton>
                    )}
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

function NewClient({ onClose, onCreated }: { onClose: () => void; onCreated: (s: { client_id: string; client_secret: string }) => void }) {
  const [name, setName] = useState('');
  const [partner, setPartner] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [error, setError] = useState<unknown>();
  const errors = fieldErrors(error);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      onCreated(await api.post('/api/v1/clients', { name: name.trim(), scopes, ...(partner.trim() ? { partner_id: partner.trim() } : {}) }));
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Panel title="New API client" onClose={onClose}>
      <form className="form-grid" onSubmit={submit}>
        <TextField label="Name" required value={name} onChange={setName} error={errors.name} placeholder="CRM push" />
        <fieldset className="scopes">
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} /> {s}
            </label>
          ))}
          {errors.scopes && <div className="field-error">{errors.scopes}</div>}
        </fieldset>
        <TextField label="Bind to partner (optional)" value={partner} onChange={setPartner} error={errors.partner_id} hint="A bound client reaches only that partner and its subtree." />
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!scopes.length}>
            Create client
          </button>
        </div>
      </form>
    </Panel>
  );
}

interface AuditEntry {
  id: string | number;
  at: string;
  actor: string;
  actor_name?: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  before: unknown;
  after: unknown;
  ip: string | null;
}

export function AuditLog() {
  const [filters, setFilters] = useState({ actor_name: '', action: '', subject: '', from: '', to: '' });
  const [applied, setApplied] = useState(filters);
  const [cursor, setCursor] = useState<string | undefined>();
  const available = useAsync(() => routeExists('GET', '/api/v1/audit-log'), []);
  // The filters as the API takes them ("subject" is a subject id; empty fields are left out).
  const query = {
    actor_name: applied.actor_name.trim() || undefined,
    action: applied.action.trim() || undefined,
    subject_id: applied.subject.trim() || undefined,
    from: applied.from ? `${applied.from}T00:00:00Z` : undefined,
    to: applied.to ? `${applied.to}T23:59:59Z` : undefined,
  };
  const state = useAsync(
    async (signal) => {
      if (!(await routeExists('GET', '/api/v1/audit-log'))) return { data: [], next_cursor: null };
      return api.get<{ data: AuditEntry[]; next_cursor: string | null }>(`/api/v1/audit-log${qs({ ...query, cursor })}`, { signal });
    },
    [applied, cursor],
  );
  const set = (k: keyof typeof filters) => (v: string) => setFilters({ ...filters, [k]: v });
  const missing = available.data === false;
  return (
    <>
      <PageHeader title="Audit log" subtitle="Who changed what, when, from where." />
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setCursor(undefined);
          setApplied(filters);
        }}
      >
        <TextField label="Actor name" value={filters.actor_name} onChange={set('actor_name')} hint="Part of the person's or API client's name." />
        <TextField label="Action" value={filters.action} onChange={set('action')} />
        <TextField label="Subject" value={filters.subject} onChange={set('subject')} />
        <TextField label="From" type="date" value={filters.from} onChange={set('from')} />
        <TextField label="To" type="date" value={filters.to} onChange={set('to')} />
        <button type="submit" className="btn btn-primary">
          Filter
        </button>
      </form>
      {missing ? (
        <Empty>This server does not offer the audit log API yet (GET /api/v1/audit-log). Upgrade OpenIB to read the audit log here.</Empty>
      ) : (
        <DataView state={state} isEmpty={(d) => d.data.length === 0} empty="No audit entries match these filters.">
          {(d) => (
            <>
              <DataTable
                label="Audit log"
                filename="audit-log-shown"
                rows={d.data}
                rowKey={(a) => String(a.id)}
                rowData={(a) => ({ entry: String(a.id) })}
                toolbar={
                  <ActionButton className="btn btn-small" onClick={() => download(`/api/v1/audit-log.csv${qs(query)}`, 'audit-log.csv')}>
                    Export all matching (CSV)
                  </ActionButton>
                }
                columns={[
                  { id: 'at', header: 'When', value: (a) => a.at, cell: (a) => formatDateTime(a.at) },
                  {
                    id: 'actor_name',
                    header: 'Actor',
                    value: (a) => a.actor_name ?? a.actor,
                    cell: (a) => (
                      <div>
                        <div className="strong">{a.actor_name ?? a.actor}</div>
                        {a.actor_name ? <div className="small muted mono">{a.actor}</div> : null}
                      </div>
                    ),
                  },
                  { id: 'actor', header: 'Actor id', value: (a) => a.actor, hidden: true },
                  { id: 'action', header: 'Action', value: (a) => a.action, cell: (a) => <Badge tone="scope">{a.action}</Badge> },
                  { id: 'subject', header: 'Subject', value: (a) => `${a.subject_type} ${a.subject_id}`, cell: (a) => <span className="small break">{a.subject_type} {a.subject_id}</span> },
                  { id: 'ip', header: 'IP', value: (a) => a.ip, cell: (a) => <span className="small">{a.ip ?? ''}</span> },
                  {
                    id: 'changes',
                    header: 'Changes',
                    value: (a) => JSON.stringify({ before: a.before ?? null, after: a.after ?? null }),
                    sort: false,
                    cell: (a) => (
                      <details>
                        <summary>Changes</summary>
                        <div className="grid-2">
                          <pre className="code">{JSON.stringify(a.before, null, 2)}</pre>
                          <pre className="code">{JSON.stringify(a.after, null, 2)}</pre>
                        </div>
                      </details>
                    ),
                  },
                ]}
              />
              <div className="toolbar">
                {cursor && (
                  <button type="button" className="btn" onClick={() => setCursor(undefined)}>
                    Newest
                  </button>
                )}
                {d.next_cursor && (
                  <button type="button" className="btn" onClick={() => setCursor(d.next_cursor ?? undefined)}>
                    Older entries
                  </button>
                )}
              </div>
            </>
          )}
        </DataView>
      )}
    </>
  );
}
