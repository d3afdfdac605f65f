import { useState } from 'react';
import { api, download, enc, qs } from '../api.ts';
import { formatDateTime, titleCase } from '../format.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, DataView, ErrorMessage, PageHeader, Panel, SelectField, TableWrap, TextField, useAsync } from '../ui.tsx';

interface QueueRow {
  partner_id: string;
  partner_name: string;
  country: string | null;
  status: string;
  submitted_at: string | null;
  expires_on: string | null;
  documents: number;
}
interface Doc {
  document_id: string;
  kind: string;
  content_type: string;
  size_bytes: number;
  file_name: string | null;
  expires_on: string | null;
}
interface Verification {
  status: string;
  details: { legal_name: string; entity_type: string; registration_number?: string; country: string; authorisation?: { regulator: string; licence_number: string }; people: { name: string; role: string; nationality?: string; date_of_birth?: string }[] } | null;
  requested: string | null;
  reason: string | null;
  submitted_at: string | null;
  expires_on: string | null;
  documents: Doc[];
}

const TONE: Record<string, string> = { approved: 'active', submitted: 'pending', more_requested: 'held', rejected: 'disabled', expired: 'held', not_started: 'pending' };
const STATUSES = ['submitted', 'more_requested', 'approved', 'rejected', 'expired', 'not_started'];

/** The compliance officer's review: the verification queue, a partner's details and documents, and the decision. */
export function Compliance() {
  const [status, setStatus] = useState('submitted');
  const [open, setOpen] = useState<QueueRow | null>(null);
  const queue = useAsync((signal) => api.get<{ data: QueueRow[] }>(`/api/v1/compliance/verifications${qs({ status: status || undefined })}`, { signal }), [status]);
  return (
    <>
      <PageHeader title="Compliance" subtitle="Partner due diligence: review submitted verifications, ask for more, approve or reject." />
      <div className="form-grid">
        <SelectField label="Status" value={status} onChange={setStatus} options={[{ value: '', label: 'All' }, ...STATUSES.map((s) => ({ value: s, label: titleCase(s) }))]} />
      </div>
      <DataView state={queue} isEmpty={(d) => d.data.length === 0} empty="No partners in this state.">
        {(d) => (
          <TableWrap label="Verifications" columns={['Partner', 'Country', 'Status', 'Submitted', 'Documents', { label: 'Actions', srOnly: true }]}>
            {d.data.map((r) => (
              <tr key={r.partner_id}>
                <td>
                  {r.partner_name}
                  <div className="small muted mono">{r.partner_id}</div>
                </td>
                <td>{r.country ?? '—'}</td>
                <td>
                  <Badge tone={TONE[r.status]}>{titleCase(r.status)}</Badge>
                </td>
                <td>{r.submitted_at ? formatDateTime(r.submitted_at) : '—'}</td>
                <td>{r.documents}</td>
                <td>
                  <button type="button" className="btn btn-small" onClick={() => setOpen(r)}>
                    Review {r.partner_name}
                  </button>
                </td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
      {open && (
        <Review
          row={open}
          onClose={() => setOpen(null)}
          onDecided={() => {
            setOpen(null);
            queue.reload();
          }}
        />
      )}
    </>
  );
}

function Review({ row, onClose, onDecided }: { row: QueueRow; onClose: () => void; onDecided: () => void }) {
  const { can } = useSession();
  const base = `/api/v1/partners/${enc(row.partner_id)}/verification`;
  const v = useAsync((signal) => api.get<{ data: Verification }>(base, { signal }), [row.partner_id]);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const decide = async (action: 'approve' | 'reject' | 'request_more') => {
    setError(undefined);
    try {
      await api.post(`${base}/review`, { action, ...(reason.trim() ? { reason: reason.trim() } : {}) });
      onDecided();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Panel title={`Verification of ${row.partner_name}`} onClose={onClose}>
      <DataView state={v}>
        {({ data }) => (
          <>
            <p>
              <Badge tone={TONE[data.status]}>{titleCase(data.status)}</Badge>
              {data.submitted_at && <span className="muted"> submitted {formatDateTime(data.submitted_at)}</span>}
            </p>
            {data.requested && <p>Asked for: {data.requested}</p>}
            {data.reason && <p>Rejected: {data.reason}</p>}
            {data.details ? (
              <dl className="details">
                <dt>Legal name</dt>
                <dd>{data.details.legal_name}</dd>
                <dt>Type</dt>
                <dd>{titleCase(data.details.entity_type)}</dd>
                {data.details.registration_number && (
                  <>
                    <dt>Registration number</dt>
                    <dd>{data.details.registration_number}</dd>
                  </>
                )}
                <dt>Country</dt>
                <dd>{data.details.country}</dd>
                <dt>Authorisation</dt>
                <dd>{data.details.authorisation ? `${data.details.authorisation.regulator} ${data.details.authorisation.licence_number}` : 'None declared'}</dd>
                <dt>Owners and directors</dt>
                <dd>{data.details.people.map((p) => `${p.name} (${p.role}${p.nationality ? `, ${p.nationality}` : ''})`).join('; ')}</dd>
              </dl>
            ) : (
              <p className="muted">No details given yet.</p>
            )}
            <h3>Documents</h3>
            {data.documents.length === 0 ? (
              <p className="muted">No documents uploaded.</p>
            ) : (
              <ul>
                {data.documents.map((d) => (
                  <li key={d.document_id}>
                    {titleCase(d.kind)} — {d.content_type}, {Math.ceil(d.size_bytes / 1024)} KB{d.expires_on ? `, expires ${d.expires_on}` : ''}{' '}
                    <ActionButton className="btn btn-small btn-ghost" onClick={() => download(`${base}/documents/${enc(d.document_id)}`, d.file_name ?? 'document')}>
                      Download {d.file_name ?? ''}
                    </ActionButton>
                  </li>
                ))}
              </ul>
            )}
            {data.status === 'submitted' && can('admin') && (
              <>
                <TextField label="Reason (to reject or ask for more; shown to the partner)" value={reason} onChange={setReason} maxLength={200} />
                <ErrorMessage error={error} />
                <div className="form-actions">
                  <button type="button" className="btn btn-primary" onClick={() => decide('approve')}>
                    Approve
                  </button>
                  <button type="button" className="btn" onClick={() => decide('request_more')}>
                    Ask for more
                  </button>
                  <button type="button" className="btn btn-danger" onClick={() => decide('reject')}>
                    Reject
                  </button>
                </div>
              </>
            )}
          </>
        )}
      </DataView>
    </Panel>
  );
}
