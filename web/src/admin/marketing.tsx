import { type FormEvent, useState } from 'react';
import { api, enc, qs } from '../api.ts';
import { formatDate } from '../format.ts';
import { KIND_LABELS, type Material, readFileBase64, type Submission } from '../marketing/shared.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, DataView, ErrorMessage, fieldErrors, PageHeader, Panel, SelectField, TableWrap, TextField, useAsync } from '../ui.tsx';

/** The broker's marketing library and the review of partners' promotions. */
export function MarketingReview() {
  const { can } = useSession();
  const writable = can('admin');
  const [status, setStatus] = useState('pending');
  const submissions = useAsync((signal) => api.get<{ data: Submission[] }>(`/api/v1/marketing/submissions${qs({ status: status || undefined })}`, { signal }), [status]);
  const materials = useAsync((signal) => api.get<{ data: Material[] }>('/api/v1/marketing/materials', { signal }), []);
  const [adding, setAdding] = useState(false);
  const [rejecting, setRejecting] = useState<Submission | null>(null);
  return (
    <>
      <PageHeader
        title="Marketing"
        subtitle="Partners' promotions awaiting approval, and the library partners use with their tracking links. Every decision is in the audit log."
        actions={
          <a className="btn" href="/api/v1/marketing/submissions.csv" download>
            Export for the regulator (CSV)
          </a>
        }
      />
      <h2>Promotions</h2>
      <div className="toolbar">
        <SelectField label="Status" value={status} onChange={setStatus} options={[{ value: 'pending', label: 'Pending' }, { value: 'approved', label: 'Approved' }, { value: 'rejected', label: 'Rejected' }, { value: 'withdrawn', label: 'Withdrawn' }, { value: '', label: 'All' }]} />
      </div>
      {rejecting && <Reject submission={rejecting} onClose={() => setRejecting(null)} onDone={() => { setRejecting(null); submissions.reload(); }} />}
      <DataView state={submissions} isEmpty={(d) => d.data.length === 0} empty="No promotions with this status.">
        {(d) => (
          <TableWrap label="Promotions" columns={['Submitted', 'Partner', 'Promotion', 'Kind', 'Status', 'Reason', '']}>
            {d.data.map((s) => (
              <tr key={s.submission_id}>
                <td>{formatDate(s.submitted_at.slice(0, 10))}</td>
                <td>{s.partner_name ?? s.partner_id}</td>
                <td>
                  <span className="strong">{s.title}</span>
                  {s.url ? (
                    <div className="small">
                      <a href={s.url} target="_blank" rel="noopener noreferrer nofollow">
                        {s.url}
                      </a>
                    </div>
                  ) : null}
                  {s.file_name ? (
                    <div className="small">
                      <a href={`/api/v1/marketing/submissions/${enc(s.submission_id)}/file`}>{s.file_name}</a>
                    </div>
                  ) : null}
                  {s.notes ? <div className="small muted">{s.notes}</div> : null}
                </td>
                <td>{KIND_LABELS[s.kind]}</td>
                <td>
                  <Badge>{s.status}</Badge>
                </td>
                <td className="small">{s.reason ?? ''}</td>
                <td>
                  {writable && s.status === 'pending' && (
                    <>
                      <ActionButton className="btn btn-small btn-primary" onClick={async () => { await api.post(`/api/v1/marketing/submissions/${enc(s.submission_id)}/approve`, {}); submissions.reload(); }}>
                        Approve
                      </ActionButton>{' '}
                      <button type="button" className="btn btn-small" onClick={() => setRejecting(s)}>
                        Reject
                      </button>
                    </>
                  )}
                  {writable && s.status === 'approved' && (
                    <ActionButton className="btn btn-small" confirm="Withdraw this approved promotion? The partner must stop using it." onClick={async () => { await api.post(`/api/v1/marketing/submissions/${enc(s.submission_id)}/withdraw`, {}); submissions.reload(); }}>
                      Withdraw
                    </ActionButton>
                  )}
                </td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
      <h2>Library</h2>
      {writable && (
        <div className="toolbar">
          <button type="button" className="btn" onClick={() => setAdding(true)}>
            Add material
          </button>
        </div>
      )}
      {adding && <AddMaterial onClose={() => setAdding(false)} onDone={() => { setAdding(false); materials.reload(); }} />}
      <DataView state={materials} isEmpty={(d) => d.data.length === 0} empty="The library is empty. Add banners, landing pages and texts for partners.">
        {(d) => (
          <TableWrap label="Library" columns={['Material', 'Kind', 'Language', 'Countries', 'Status', '']}>
            {d.data.map((m) => (
              <tr key={m.material_id}>
                <td>
                  {m.kind === 'banner' && m.file_url ? <img src={m.file_url} alt="" style={{ maxHeight: 40, maxWidth: 160, marginRight: 8, verticalAlign: 'middle' }} /> : null}
                  <span className="strong">{m.title}</span>
                  <div className="small muted">{m.destination_url}</div>
                </td>
                <td>{KIND_LABELS[m.kind]}</td>
                <td>{m.language}</td>
                <td>{m.countries.length ? m.countries.join(', ') : 'All'}</td>
                <td>
                  <Badge>{m.status}</Badge>
                </td>
                <td>
                  {writable && (
                    <ActionButton className="btn btn-small" onClick={async () => { await api.post(`/api/v1/marketing/materials/${enc(m.material_id)}/${m.status === 'active' ? 'archive' : 'restore'}`, {}); materials.reload(); }}>
                      {m.status === 'active' ? 'Archive' : 'Restore'}
                    </ActionButton>
                  )}
                </td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
    </>
  );
}

function Reject({ submission, onClose, onDone }: { submission: Submission; onClose: () => void; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  return (
    <Panel title={`Reject ${submission.title}`} onClose={onClose}>
      <form
        onSubmit={async (e: FormEvent) => {
          e.preventDefault();
          try {
            await api.post(`/api/v1/marketing/submissions/${enc(submission.submission_id)}/reject`, { reason });
            onDone();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <TextField label="Reason (shown to the partner)" value={reason} onChange={setReason} error={fieldErrors(error).reason} required maxLength={2000} />
        <ErrorMessage error={error} />
        <div className="toolbar">
          <button type="submit" className="btn btn-primary">
            Reject
          </button>
        </div>
      </form>
    </Panel>
  );
}

function AddMaterial({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const [kind, setKind] = useState<'banner' | 'landing_page' | 'text'>('banner');
  const [title, setTitle] = useState('');
  const [language, setLanguage] = useState('en');
  const [countries, setCountries] = useState('');
  const [destination, setDestination] = useState('');
  const [body, setBody] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<unknown>();
  const errors = fieldErrors(error);
  return (
    <Panel title="Add material" onClose={onClose}>
      <form
        onSubmit={async (e: FormEvent) => {
          e.preventDefault();
          setError(undefined);
          try {
            const payload: Record<string, unknown> = { kind, title, language, destination_url: destination };
            const list = countries.split(/[\s,]+/).filter(Boolean).map((c) => c.toUpperCase());
            if (list.length) payload.countries = list;
            if (kind === 'text') payload.body = body;
            if (kind === 'banner' && file) payload.file = await readFileBase64(file);
            await api.post('/api/v1/marketing/materials', payload);
            onDone();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <SelectField label="Kind" value={kind} onChange={(v) => setKind(v as typeof kind)} options={[{ value: 'banner', label: 'Banner' }, { value: 'landing_page', label: 'Landing page' }, { value: 'text', label: 'Text' }]} />
        <TextField label="Title" value={title} onChange={setTitle} error={errors.title} required maxLength={200} />
        <TextField label="Language" value={language} onChange={setLanguage} error={errors.language} required maxLength={5} hint="ISO 639-1, e.g. en or pt-BR" />
        <TextField label="Clients' countries" value={countries} onChange={setCountries} error={Object.entries(errors).find(([k]) => k.startsWith('countries'))?.[1]} hint="ISO codes separated by commas; empty for every country" />
        <TextField label={kind === 'landing_page' ? 'Landing page address' : 'Where a click leads'} value={destination} onChange={setDestination} error={errors.destination_url} type="url" required />
        {kind === 'text' && (
          <div className={`field${errors.body ? ' field-invalid' : ''}`}>
            <label htmlFor="material-body">Text ({'{tracking_link}'} becomes the partner's link)</label>
            <textarea id="material-body" rows={5} value={body} onChange={(e) => setBody(e.target.value)} required maxLength={10000} />
            {errors.body && <div className="field-error">{errors.body}</div>}
          </div>
        )}
        {kind === 'banner' && (
          <div className={`field${errors.file || errors['file.content_base64'] ? ' field-invalid' : ''}`}>
            <label htmlFor="material-file">Image (PNG, JPEG, GIF or WebP, at most 5 MB)</label>
            <input id="material-file" type="file" accept="image/png,image/jpeg,image/gif,image/webp" onChange={(e) => setFile(e.target.files?.[0] ?? null)} required />
            {(errors.file || errors['file.content_base64'] || errors['file.content_type']) && <div className="field-error">{errors.file ?? errors['file.content_base64'] ?? errors['file.content_type']}</div>}
          </div>
        )}
        {!Object.keys(errors).length && <ErrorMessage error={error} />}
        <div className="toolbar">
          <button type="submit" className="btn btn-primary">
            Add to the library
          </button>
        </div>
      </form>
    </Panel>
  );
}
