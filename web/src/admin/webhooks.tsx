import { useState } from 'react';
import { api, enc, qs } from '../api.ts';
import { formatDateTime, formatNumber } from '../format.ts';
import { useSession } from '../session.tsx';
import { type Column, DataTable } from '../table.tsx';
import { ActionButton, Badge, DataView, PageHeader, TableWrap, useAsync } from '../ui.tsx';

interface Endpoint {
  id: string;
  url: string;
  description?: string;
  enabled: boolean;
  consecutive_failures: number;
  last_success_at: string | null;
  last_failure_at: string | null;
  events?: string[];
}
interface DeadLetter {
  id: string;
  message_id?: string;
  endpoint_id: string;
  event_type?: string;
  event?: string;
  created_at?: string;
  last_error?: string | null;
}

export function Webhooks() {
  const { can } = useSession();
  const admin = can('admin');
  const endpoints = useAsync((signal) => api.get<{ data: Endpoint[] }>('/api/v1/webhooks/endpoints', { signal }), []);
  const dead = useAsync((signal) => api.get<{ data: DeadLetter[] }>('/api/v1/webhooks/dead-letters', { signal }), []);
  const [deliveries, setDeliveries] = useState<string | null>(null);
  return (
    <>
      <PageHeader title="Webhooks" subtitle="Endpoints that receive OpenIB's events, their deliveries and what could not be delivered." />
      <DataView state={endpoints} isEmpty={(d) => d.data.length === 0} empty="No webhook endpoints. Add one through the API (POST /api/v1/webhooks/endpoints).">
        {(d) => (
          <TableWrap label="Webhook endpoints" columns={['Endpoint', 'Health', 'Actions']}>
            {d.data.map((e) => (
              <tr key={e.id}>
                <td>
                  <div className="mono small break">{e.url}</div>
                  {e.description ? <div className="small muted">{e.description}</div> : null}
                </td>
                <td>
                  <Badge tone={e.enabled ? (e.consecutive_failures ? 'held' : 'active') : 'disabled'}>{e.enabled ? (e.consecutive_failures ? `${e.consecutive_failures} failures` : 'Healthy') : 'Disabled'}</Badge>
                  <div className="small muted">{e.last_success_at ? `Last delivered ${formatDateTime(e.last_success_at)}` : 'Nothing delivered yet'}</div>
                </td>
                <td className="nowrap">
                  <button type="button" className="btn btn-small" onClick={() => setDeliveries(deliveries === e.id ? null : e.id)} aria-expanded={deliveries === e.id}>
                    Deliveries
                  </button>{' '}
                  {admin && (
                    <ActionButton className="btn btn-small" onClick={async () => (await api.post(`/api/v1/webhooks/endpoints/${enc(e.id)}/${e.enabled ? 'disable' : 'enable'}`, {}), endpoints.reload())}>
                      {e.enabled ? 'Disable' : 'Enable'}
                    </ActionButton>
                  )}
                </td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
      {deliveries && <Deliveries endpointId={deliveries} />}
      <h2>Dead letters</h2>
      <DataView state={dead} isEmpty={(d) => d.data.length === 0} empty="No dead letters: every message was delivered or is still being retried.">
        {(d) => (
          <>
            {admin && (
              <div className="toolbar">
                <ActionButton className="btn btn-primary" onClick={async () => (await api.post('/api/v1/webhooks/dead-letters/replay', { ids: d.data.map((x) => x.id) }), dead.reload())}>
                  Replay all shown
                </ActionButton>
              </div>
            )}
            <DataTable
              label="Dead letters"
              filename="webhook-dead-letters"
              rows={d.data}
              rowKey={(x) => x.id}
              columns={[
                {
                  id: 'event_type',
                  header: 'Message',
                  value: (x) => x.event_type ?? x.event ?? x.message_id ?? x.id,
                  cell: (x) => (
                    <div>
                      {x.event_type ?? x.event ?? x.message_id ?? x.id}
                      <div className="small muted">{formatDateTime(x.created_at)}</div>
                    </div>
                  ),
                },
                { id: 'id', header: 'Message id', value: (x) => x.id, hidden: true },
                { id: 'endpoint_id', header: 'Endpoint', value: (x) => x.endpoint_id, cell: (x) => <span className="small">{x.endpoint_id}</span> },
                { id: 'last_error', header: 'Error', value: (x) => x.last_error, cell: (x) => <span className="small error-text">{x.last_error ?? ''}</span> },
                ...(admin
                  ? [
                      {
                        id: 'retry',
                        header: 'Actions',
                        srOnly: true,
                        noExport: true,
                        cell: (x: DeadLetter) => (
                          <ActionButton className="btn btn-small" onClick={async () => (await api.post(`/api/v1/webhooks/messages/${enc(x.id)}/replay`, {}), dead.reload())}>
                            Retry
                          </ActionButton>
                        ),
                      } satisfies Column<DeadLetter>,
                    ]
                  : []),
              ]}
            />
          </>
        )}
      </DataView>
    </>
  );
}

interface Message {
  id: string;
  event_type: string;
  status: 'pending' | 'delivered' | 'dead' | 'discarded';
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

/** The last error, with its HTTP status when the error text does not say it already. */
const lastError = (m: Message) => (!m.last_error ? null : m.last_status_code && !m.last_error.includes(String(m.last_status_code)) ? `HTTP ${m.last_status_code}: ${m.last_error}` : m.last_error);

/** An endpoint's messages with the last error of each, and Retry for a message that is not waiting already. */
function Deliveries({ endpointId }: { endpointId: string }) {
  const { can } = useSession();
  const admin = can('admin');
  const state = useAsync((signal) => api.get<{ data: Message[] }>(`/api/v1/webhooks/endpoints/${enc(endpointId)}/deliveries${qs({ per_page: 100 })}`, { signal }), [endpointId]);
  return (
    <section className="card" aria-label="Deliveries">
      <h2>Deliveries</h2>
      <DataView state={state} isEmpty={(d) => d.data.length === 0} empty="No messages for this endpoint yet.">
        {(d) => (
          <DataTable
            label="Deliveries"
            filename={`webhook-deliveries-${endpointId}`}
            rows={d.data}
            rowKey={(m) => m.id}
            rowData={(m) => ({ message: m.id })}
            columns={[
              {
                id: 'event_type',
                header: 'Event',
                value: (m) => m.event_type,
                cell: (m) => (
                  <div>
                    <div>{m.event_type}</div>
                    <div className="small muted mono">{m.id}</div>
                  </div>
                ),
              },
              { id: 'id', header: 'Message id', value: (m) => m.id, hidden: true },
              {
                id: 'status',
                header: 'State',
                value: (m) => m.status,
                cell: (m) => (
                  <div>
                    <Badge tone={m.status === 'dead' ? 'failed' : m.status}>{m.status === 'dead' ? 'failed' : m.status}</Badge>
                    {m.status === 'pending' && m.next_attempt_at ? <div className="small muted">next try {formatDateTime(m.next_attempt_at)}</div> : null}
                  </div>
                ),
              },
              { id: 'attempts', header: 'Attempts', className: 'r', sort: 'number', value: (m) => m.attempts, cell: (m) => formatNumber(m.attempts) },
              {
                id: 'last_error',
                header: 'Last error',
                value: (m) => lastError(m),
                cell: (m) =>
                  m.last_error ? (
                    <span className="small error-text">{lastError(m)}</span>
                  ) : (
                    '—'
                  ),
              },
              { id: 'created_at', header: 'Created', value: (m) => m.created_at, cell: (m) => formatDateTime(m.created_at) },
              ...(admin
                ? [
                    {
                      id: 'retry',
                      header: 'Actions',
                      srOnly: true,
                      noExport: true,
                      cell: (m: Message) =>
                        m.status === 'dead' || m.status === 'discarded' ? (
                          <ActionButton className="btn btn-small btn-primary" title={`Retry ${m.event_type} ${m.id}`} onClick={async () => (await api.post(`/api/v1/webhooks/messages/${enc(m.id)}/replay`, {}), state.reload())}>
                            Retry
                          </ActionButton>
                        ) : null,
                    } satisfies Column<Message>,
                  ]
                : []),
            ]}
          />
        )}
      </DataView>
    </section>
  );
}
