import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, enc, qs } from '../api.ts';
import { formatDate } from '../format.ts';
import { type Material, readFileBase64, type Submission } from '../marketing/shared.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, CopyButton, DataView, ErrorMessage, fieldErrors, PageHeader, Panel, SelectField, TableWrap, TextField, useAsync, useStatusLabel } from '../ui.tsx';

/** The broker's marketing library with the partner's own tracking link, and its promotions for approval. */
export function Marketing() {
  const { t } = useTranslation();
  const label = useStatusLabel();
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
        title={t('marketing.title')}
        subtitle={t('marketing.subtitle')}
        actions={
          <button type="button" className="btn btn-primary" onClick={() => setSubmitting(true)}>
            {t('marketing.submit')}
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
        <Panel title={t('marketing.codeFor', { title: code.title })} onClose={() => setCode(null)}>
          <p className="small muted">{t('marketing.codeHint', { link: code.tracking_link })}</p>
          <textarea className="code" rows={4} readOnly value={code.snippet} aria-label={t('marketing.codeToPaste')} />
          <div className="toolbar">
            <CopyButton text={code.snippet} label={t('marketing.copyCode')} />
          </div>
        </Panel>
      )}
      <h2>{t('marketing.library')}</h2>
      <div className="toolbar">
        <TextField label={t('marketing.language')} value={language} onChange={setLanguage} placeholder="en" maxLength={5} />
        <TextField label={t('marketing.country')} value={country} onChange={setCountry} placeholder="GB" maxLength={2} />
      </div>
      <DataView state={materials} isEmpty={(d) => d.data.length === 0} empty={t('marketing.emptyLibrary')}>
        {(d) => (
          <TableWrap
            label={t('marketing.materials')}
            columns={[t('marketing.colMaterial'), t('marketing.colKind'), t('marketing.colLanguage'), t('marketing.colCountries'), { label: t('marketing.colActions'), srOnly: true }]}
          >
            {d.data.map((m) => (
              <tr key={m.material_id}>
                <td>
                  {m.kind === 'banner' && m.file_url ? <img src={m.file_url} alt="" className="thumb" style={{ maxHeight: 40, maxWidth: 160, marginRight: 8, verticalAlign: 'middle' }} /> : null}
                  <span className="strong">{m.title}</span>
                  {m.kind === 'text' && m.body ? <div className="small muted">{m.body.slice(0, 140)}</div> : null}
                </td>
                <td>{t(`marketing.kind.${m.kind}`)}</td>
                <td>{m.language}</td>
                <td>{m.countries.length ? m.countries.join(', ') : t('marketing.allCountries')}</td>
                <td>
                  <ActionButton className="btn btn-small" onClick={async () => setCode({ title: m.title, ...(await api.post<{ snippet: string; tracking_link: string }>(`/api/v1/partners/${enc(partnerId)}/marketing/materials/${enc(m.material_id)}/use`)) })}>
                    {t('marketing.getCode')}
                  </ActionButton>
                </td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
      <h2>{t('marketing.mine')}</h2>
      <DataView state={submissions} isEmpty={(d) => d.data.length === 0} empty={t('marketing.emptyMine')}>
        {(d) => (
          <TableWrap
            label={t('marketing.mine')}
            columns={[t('marketing.colSubmitted'), t('marketing.colPromotion'), t('marketing.colKind'), t('marketing.colStatus'), t('marketing.colReason'), { label: t('marketing.colActions'), srOnly: true }]}
          >
            {d.data.map((s) => (
              <tr key={s.submission_id}>
                <td>{formatDate(s.submitted_at.slice(0, 10))}</td>
                <td>
                  <span className="strong">{s.title}</span>
                  {s.url ? <div className="small muted">{s.url}</div> : null}
                </td>
                <td>{t(`marketing.kind.${s.kind}`)}</td>
                <td>
                  <Badge tone={s.status}>{label(s.status)}</Badge>
                </td>
                <td className="small">{s.reason ?? ''}</td>
                <td>
                  {(s.status === 'pending' || s.status === 'approved') && (
                    <ActionButton className="btn btn-small" confirm={t('marketing.confirmWithdraw')} onClick={async () => {
                      await api.post(`/api/v1/marketing/submissions/${enc(s.submission_id)}/withdraw`, {});
                      submissions.reload();
                    }}>
                      {t('marketing.withdraw')}
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
  const { t } = useTranslation();
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
    <Panel title={t('marketing.submit')} onClose={onClose}>
      <form onSubmit={submit}>
        <SelectField
          label={t('marketing.what')}
          value={kind}
          onChange={(v) => setKind(v as typeof kind)}
          options={[
            { value: 'url', label: t('marketing.whatUrl') },
            { value: 'screenshot', label: t('marketing.whatScreenshot') },
            { value: 'file', label: t('marketing.whatFile') },
          ]}
        />
        <TextField label={t('marketing.promotionTitle')} value={title} onChange={setTitle} error={errors.title} required maxLength={200} />
        <TextField label={kind === 'url' ? t('marketing.address') : t('marketing.whereOptional')} value={url} onChange={setUrl} error={errors.url} type="url" required={kind === 'url'} />
        {kind !== 'url' && (
          <div className={`field${errors.file || errors['file.content_base64'] ? ' field-invalid' : ''}`}>
            <label htmlFor="promotion-file">{t('marketing.file')}</label>
            <input id="promotion-file" type="file" accept={kind === 'screenshot' ? 'image/png,image/jpeg,image/gif,image/webp' : 'image/png,image/jpeg,image/gif,image/webp,application/pdf'} onChange={(e) => setFile(e.target.files?.[0] ?? null)} required />
            {(errors.file || errors['file.content_base64'] || errors['file.content_type']) && <div className="field-error">{errors.file ?? errors['file.content_base64'] ?? errors['file.content_type']}</div>}
          </div>
        )}
        <TextField label={t('marketing.notes')} value={notes} onChange={setNotes} error={errors.notes} maxLength={2000} />
        {!Object.keys(errors).length && <ErrorMessage error={error} />}
        <div className="toolbar">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? t('marketing.submitting') : t('marketing.submitForApproval')}
          </button>
        </div>
      </form>
    </Panel>
  );
}
