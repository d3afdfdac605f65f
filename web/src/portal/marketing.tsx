import { type FormEvent, useState } from 'react';
import { api, enc, qs } from '../api.ts';
import { formatDate } from '../format.ts';
import { KIND_LABELS, type Material, readFileBase64, type Submission } from '../marketing/shared.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, CopyButton, DataView, ErrorMessage, fieldErrors, PageHeader, Panel, SelectField, TableWrap, TextField, useAsync } from '../ui.tsx';

/** The broker's marketing library with the partner's own tracking link, and its promotions for approval. */
export function Marketing() {
  const { me } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const [language, setLanguage] = useState('');
  const [country, setCountry] = useState('');
  const materials = useAsync(
    (signal) => api.get<{ data: Material[] }>(`/api/v1/partners/${enc(partnerId)}/marketing/materials${qs({ language: language || undefined, country: country.length === 2 ? country.toUpperCase() : undefined })}`, { signal }),
    [partnerId, language, country],
  );
  const submissions = useAsync((signal) => api.get<{ data: Submission[] }>(`/api/v1/partners/${enc(partnerId)}/marketing/submissions`, { signal }), [partnerId]);
  const [code, setCode] = useState<{ title: string; snippet: string; tracking_link: string } | null>(null);
  const [submitting, setSubmitting] = useState(false);
  return (
    <>
      <PageHeader
        title="Marketing"
        subtitle="Banners, landing pages and texts approved by the broker, with your tracking link built in. Your own promotions must be approved before you use them."
        actions={
          <button type="button" className="btn btn-primary" onClick={() => setSubmitting(true)}>
            Submit a promotion
          </button>
        }
      />
      {submitting && (
        <SubmitPromotion
          partnerId={partnerId}
          onClose={() => setSubmitting(false)}
          onDone={() => {
            setSubmitting(false);
            submissions.reload();
          }}
        />
      )}
      {code && (
        <Panel title={`Your code for ${code.title}`} onClose={() => setCode(null)}>
          <p className="small muted">Paste this where you promote the broker. Clicks are counted on your tracking link {code.tracking_link}.</p>
          <textarea className="code" rows={4} readOnly value={code.snippet} aria-label="Code to paste" />
          <div className="toolbar">
            <CopyButton text={code.snippet} label="Copy code" />
          </div>
        </Panel>
      )}
      <h2>Library</h2>
      <div className="toolbar">
        <TextField label="Language" value={language} onChange={setLanguage} placeholder="en" maxLength={5} />
        <TextField label="Clients' country" value={country} onChange={setCountry} placeholder="GB" maxLength={2} />
      </div>
      <DataView state={materials} isEmpty={(d) => d.data.length === 0} empty="No materials for this language and country yet.">
        {(d) => (
          <TableWrap label="Marketing materials" columns={['Material', 'Kind', 'Language', 'Countries', '']}>
            {d.data.map((m) => (
              <tr key={m.material_id}>
                <td>
                  {m.kind === 'banner' && m.file_url ? <img src={m.file_url} alt="" className="thumb" style={{ maxHeight: 40, maxWidth: 160, marginRight: 8, verticalAlign: 'middle' }} /> : null}
                  <span className="strong">{m.title}</span>
                  {m.kind === 'text' && m.body ? <div className="small muted">{m.body.slice(0, 140)}</div> : null}
                </td>
                <td>{KIND_LABELS[m.kind]}</td>
                <td>{m.language}</td>
                <td>{m.countries.length ? m.countries.join(', ') : 'All'}</td>
                <td>
                  <ActionButton className="btn btn-small" onClick={async () => setCode({ title: m.title, ...(await api.post<{ snippet: string; tracking_link: string }>(`/api/v1/partners/${enc(partnerId)}/marketing/materials/${enc(m.material_id)}/use`)) })}>
                    Get my code
                  </ActionButton>
                </td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
      <h2>My promotions</h2>
      <DataView state={submissions} isEmpty={(d) => d.data.length === 0} empty="You have not submitted a promotion yet.">
        {(d) => (
          <TableWrap label="My promotions" columns={['Submitted', 'Promotion', 'Kind', 'Status', 'Reason', '']}>
            {d.data.map((s) => (
              <tr key={s.submission_id}>
                <td>{formatDate(s.submitted_at.slice(0, 10))}</td>
                <td>
                  <span className="strong">{s.title}</span>
                  {s.url ? <div className="small muted">{s.url}</div> : null}
                </td>
                <td>{KIND_LABELS[s.kind]}</td>
                <td>
                  <Badge>{s.status}</Badge>
                </td>
                <td className="small">{s.reason ?? ''}</td>
                <td>
                  {(s.status === 'pending' || s.status === 'approved') && (
                    <ActionButton className="btn btn-small" confirm="Withdraw this promotion? You must stop using it." onClick={async () => {
                      await api.post(`/api/v1/marketing/submissions/${enc(s.submission_id)}/withdraw`, {});
                      submissions.reload();
                    }}>
                      Withdraw
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

function SubmitPromotion({ partnerId, onClose, onDone }: { partnerId: string; onClose: () => void; onDone: () => void }) {
  const [kind, setKind] = useState<'url' | 'screenshot' | 'file'>('url');
  const [title, setTitle] = useState('');
  const [url, setUrl] = useState('');
  const [notes, setNotes] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body: Record<string, unknown> = { kind, title };
      if (url) body.url = url;
      if (notes) body.notes = notes;
      if (kind !== 'url' && file) body.file = await readFileBase64(file);
      await api.post(`/api/v1/partners/${enc(partnerId)}/marketing/submissions`, body);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel title="Submit a promotion" onClose={onClose}>
      <form onSubmit={submit}>
        <SelectField label="What" value={kind} onChange={(v) => setKind(v as typeof kind)} options={[{ value: 'url', label: 'A web page (its address)' }, { value: 'screenshot', label: 'A screenshot (PNG, JPEG, GIF, WebP)' }, { value: 'file', label: 'A file (image or PDF)' }]} />
        <TextField label="Title" value={title} onChange={setTitle} error={errors.title} required maxLength={200} />
        <TextField label={kind === 'url' ? 'Address' : 'Where it will appear (optional)'} value={url} onChange={setUrl} error={errors.url} type="url" required={kind === 'url'} />
        {kind !== 'url' && (
          <div className={`field${errors.file || errors['file.content_base64'] ? ' field-invalid' : ''}`}>
            <label htmlFor="promotion-file">File (at most 5 MB)</label>
            <input id="promotion-file" type="file" accept={kind === 'screenshot' ? 'image/png,image/jpeg,image/gif,image/webp' : 'image/png,image/jpeg,image/gif,image/webp,application/pdf'} onChange={(e) => setFile(e.target.files?.[0] ?? null)} required />
            {(errors.file || errors['file.content_base64'] || errors['file.content_type']) && <div className="field-error">{errors.file ?? errors['file.content_base64'] ?? errors['file.content_type']}</div>}
          </div>
        )}
        <TextField label="Notes for the broker (optional)" value={notes} onChange={setNotes} error={errors.notes} maxLength={2000} />
        {!Object.keys(errors).length && <ErrorMessage error={error} />}
        <div className="toolbar">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Submitting…' : 'Submit for approval'}
          </button>
        </div>
      </form>
    </Panel>
  );
}
