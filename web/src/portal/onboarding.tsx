import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, download, enc } from '../api.ts';
import { formatDate, formatDateTime, titleCase } from '../format.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, DataView, ErrorMessage, fieldErrors, PageHeader, SelectField, TableWrap, TextField, useAsync, useStatusLabel } from '../ui.tsx';

interface Overview {
  programme_id: string;
  verification: string;
  terms_needs_acceptance: boolean;
  tax_form: string | null;
  gates: { held: boolean; reason: string | null; missing: string[] };
  register_consent: boolean;
}
interface Doc {
  document_id: string;
  kind: string;
  content_type: string;
  size_bytes: number;
  file_name: string | null;
  expires_on: string | null;
  uploaded_at: string;
}
interface Verification {
  status: string;
  details: { legal_name: string; entity_type: string; registration_number?: string; country: string; authorisation?: { regulator: string; licence_number: string }; people: { name: string; role: string }[] } | null;
  requested: string | null;
  reason: string | null;
  expires_on: string | null;
  documents: Doc[];
}
interface Terms {
  current: { version: number; language: string; title: string; body: string } | null;
  accepted_version: number | null;
  accepted_at: string | null;
  needs_acceptance: boolean;
}

const TONE: Record<string, string> = { approved: 'active', submitted: 'pending', more_requested: 'held', rejected: 'disabled', expired: 'held', not_started: 'pending' };

/** The partner's onboarding: due diligence, terms and the tax form, and what still holds its payouts. */
export function Onboarding() {
  const { t } = useTranslation();
  const { me } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const base = `/api/v1/partners/${enc(partnerId)}`;
  const overview = useAsync((signal) => api.get<{ data: Overview }>(`${base}/compliance`, { signal }), [partnerId]);
  const verification = useAsync((signal) => api.get<{ data: Verification }>(`${base}/verification`, { signal }), [partnerId]);
  const terms = useAsync((signal) => api.get<{ data: Terms }>(`${base}/terms`, { signal }), [partnerId]);
  const reload = () => {
    overview.reload();
    verification.reload();
    terms.reload();
  };
  return (
    <>
      <PageHeader title={t('onboarding.title')} subtitle={t('onboarding.subtitle')} />
      <DataView state={overview}>
        {(d) => (
          <section className="card" aria-label={t('onboarding.payoutStatus')}>
            {d.data.gates.held ? (
              <p role="status">
                <Badge tone="held">{t('onboarding.onHold')}</Badge> {d.data.gates.reason}
              </p>
            ) : (
              <p role="status">
                <Badge tone="active">{t('onboarding.ready')}</Badge> {t('onboarding.nothingHolds')}
              </p>
            )}
          </section>
        )}
      </DataView>
      <DataView state={verification}>{(d) => <VerificationSection base={base} v={d.data} onChange={reload} />}</DataView>
      <DataView state={terms}>{(d) => <TermsSection base={base} terms={d.data} onChange={reload} />}</DataView>
      <TaxFormSection base={base} onChange={reload} current={overview.data?.data.tax_form ?? null} />
    </>
  );
}

function VerificationSection({ base, v, onChange }: { base: string; v: Verification; onChange: () => void }) {
  const { t } = useTranslation();
  const label = useStatusLabel();
  const editable = !['submitted', 'approved'].includes(v.status);
  const d = v.details;
  const [legalName, setLegalName] = useState(d?.legal_name ?? '');
  const [entity, setEntity] = useState(d?.entity_type ?? 'individual');
  const [registration, setRegistration] = useState(d?.registration_number ?? '');
  const [country, setCountry] = useState(d?.country ?? '');
  const [regulator, setRegulator] = useState(d?.authorisation?.regulator ?? '');
  const [licence, setLicence] = useState(d?.authorisation?.licence_number ?? '');
  const [owner, setOwner] = useState(d?.people[0]?.name ?? '');
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const errors = fieldErrors(error);

  async function save(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setSaved(false);
    try {
      await api.put(`${base}/verification`, {
        legal_name: legalName.trim(),
        entity_type: entity,
        ...(entity === 'company' && registration.trim() ? { registration_number: registration.trim() } : {}),
        country: country.trim().toUpperCase(),
        ...(regulator.trim() || licence.trim() ? { authorisation: { regulator: regulator.trim(), licence_number: licence.trim() } } : {}),
        people: [{ name: owner.trim(), role: 'owner' }],
      });
      setSaved(true);
      onChange();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section className="card" aria-labelledby="verification-heading">
      <h2 id="verification-heading">
        {t('onboarding.verification')} <Badge tone={TONE[v.status]}>{label(v.status)}</Badge>
      </h2>
      {v.requested && <p className="field-error">{t('onboarding.asks', { text: v.requested })}</p>}
      {v.reason && <p className="field-error">{t('onboarding.rejected', { reason: v.reason })}</p>}
      {v.status === 'approved' && v.expires_on && <p className="muted">{t('onboarding.approvedUntil', { date: formatDate(v.expires_on) })}</p>}
      {editable ? (
        <form onSubmit={save} className="form-grid" aria-label={t('onboarding.detailsLabel')}>
          <TextField label={t('onboarding.legalName')} required value={legalName} onChange={setLegalName} error={errors.legal_name} />
          <SelectField
            label={t('onboarding.youAre')}
            value={entity}
            onChange={setEntity}
            options={[
              { value: 'individual', label: t('onboarding.individual') },
              { value: 'company', label: t('onboarding.company') },
            ]}
          />
          {entity === 'company' && <TextField label={t('onboarding.registrationNumber')} value={registration} onChange={setRegistration} error={errors.registration_number} />}
          <TextField label={t('onboarding.country')} required maxLength={2} value={country} onChange={setCountry} error={errors.country} placeholder={t('onboarding.countryPlaceholder')} />
          <TextField label={t('onboarding.regulator')} value={regulator} onChange={setRegulator} error={errors['authorisation.regulator']} />
          <TextField label={t('onboarding.licence')} value={licence} onChange={setLicence} error={errors['authorisation.licence_number']} />
          <TextField label={entity === 'company' ? t('onboarding.owner') : t('onboarding.fullName')} required value={owner} onChange={setOwner} error={errors['people[0].name'] ?? errors.people} />
          <ErrorMessage error={error} />
          <div className="form-actions">
            <button type="submit" className="btn btn-primary">
              {t('onboarding.saveDetails')}
            </button>
            {saved && <span role="status">{t('onboarding.saved')}</span>}
          </div>
        </form>
      ) : (
        d && (
          <p>
            {d.legal_name} · {t(`onboarding.entity.${d.entity_type}`, { defaultValue: titleCase(d.entity_type) })} · {d.country}
            {d.authorisation ? ` · ${d.authorisation.regulator} ${d.authorisation.licence_number}` : ''}
          </p>
        )
      )}
      <h3>{t('onboarding.documents')}</h3>
      {v.documents.length > 0 && (
        <TableWrap label={t('onboarding.documents')} columns={[t('onboarding.colKind'), t('onboarding.colFile'), t('onboarding.colExpires'), t('onboarding.colUploaded')]}>
          {v.documents.map((doc) => (
            <tr key={doc.document_id}>
              <td>{t(`onboarding.docKind.${doc.kind}`, { defaultValue: titleCase(doc.kind) })}</td>
              <td>
                <ActionButton className="btn btn-small btn-ghost" onClick={() => download(`${base}/verification/documents/${enc(doc.document_id)}`, doc.file_name ?? 'document')}>
                  {doc.file_name ?? doc.content_type}
                </ActionButton>
              </td>
              <td>{doc.expires_on ? formatDate(doc.expires_on) : '—'}</td>
              <td>{formatDateTime(doc.uploaded_at)}</td>
            </tr>
          ))}
        </TableWrap>
      )}
      {editable && <UploadDocument base={base} onUploaded={onChange} />}
      {editable && (
        <div className="form-actions">
          <ActionButton className="btn btn-primary" onClick={async () => { await api.post(`${base}/verification/submit`); onChange(); }}>
            {t('onboarding.submitReview')}
          </ActionButton>
        </div>
      )}
    </section>
  );
}

function UploadDocument({ base, onUploaded }: { base: string; onUploaded: () => void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState('id');
  const [expires, setExpires] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function upload(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    setError(undefined);
    setBusy(true);
    try {
      const form = new FormData();
      form.append('kind', kind);
      if (expires) form.append('expires_on', expires);
      form.append('file', file, file.name);
      await api.post(`${base}/verification/documents`, undefined, { raw: form });
      setFile(null);
      (e.target as HTMLFormElement).reset();
      onUploaded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={upload} className="form-grid" aria-label={t('onboarding.uploadLabel')}>
      <SelectField
        label={t('onboarding.document')}
        value={kind}
        onChange={setKind}
        options={['id', 'proof_of_address', 'company', 'licence', 'other'].map((value) => ({ value, label: t(`onboarding.docKind.${value}`) }))}
      />
      <TextField label={t('onboarding.expiresOn')} type="date" value={expires} onChange={setExpires} />
      <div className="field">
        <label htmlFor="document-file">{t('onboarding.docFile')}</label>
        <input id="document-file" type="file" accept="application/pdf,image/png,image/jpeg" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </div>
      <ErrorMessage error={error} />
      <div className="form-actions">
        <button type="submit" className="btn" disabled={!file || busy}>
          {busy ? t('onboarding.uploading') : t('onboarding.upload')}
        </button>
      </div>
    </form>
  );
}

function TermsSection({ base, terms, onChange }: { base: string; terms: Terms; onChange: () => void }) {
  const { t } = useTranslation();
  if (!terms.current) return null;
  const c = terms.current;
  return (
    <section className="card" aria-labelledby="terms-heading">
      <h2 id="terms-heading">
        {t('onboarding.termsHeading', { title: c.title, version: c.version })}{' '}
        {terms.needs_acceptance ? <Badge tone="held">{t('onboarding.toAccept')}</Badge> : <Badge tone="active">{t('onboarding.accepted')}</Badge>}
      </h2>
      <pre className="terms-text" style={{ whiteSpace: 'pre-wrap', maxHeight: '16rem', overflow: 'auto' }} lang={c.language}>
        {c.body}
      </pre>
      {terms.needs_acceptance ? (
        <ActionButton className="btn btn-primary" onClick={async () => { await api.post(`${base}/terms/accept`, { version: c.version }); onChange(); }}>
          {t('onboarding.accept', { version: c.version })}
        </ActionButton>
      ) : (
        <p className="muted">
          {terms.accepted_at
            ? t('onboarding.acceptedVersionOn', { version: terms.accepted_version, at: formatDateTime(terms.accepted_at) })
            : t('onboarding.acceptedVersion', { version: terms.accepted_version })}
        </p>
      )}
    </section>
  );
}

/** Labels are the `onboarding.forms.*` and `onboarding.field.*` messages. */
const FORMS: Record<string, { fields: { name: string; required?: boolean; type?: string }[] }> = {
  'W-8BEN': {
    fields: [
      { name: 'name', required: true },
      { name: 'country_of_citizenship', required: true },
      { name: 'permanent_address', required: true },
      { name: 'city_country', required: true },
      { name: 'country', required: true },
      { name: 'date_of_birth', required: true, type: 'date' },
      { name: 'foreign_tin' },
      { name: 'treaty_country' },
    ],
  },
  'W-8BEN-E': {
    fields: [
      { name: 'organisation_name', required: true },
      { name: 'country_of_incorporation', required: true },
      { name: 'chapter3_status', required: true },
      { name: 'permanent_address', required: true },
      { name: 'city_country', required: true },
      { name: 'foreign_tin' },
      { name: 'treaty_country' },
    ],
  },
  'W-9': {
    fields: [
      { name: 'name', required: true },
      { name: 'business_name' },
      { name: 'tax_classification', required: true },
      { name: 'address', required: true },
      { name: 'city_state_zip', required: true },
      { name: 'tin_type', required: true },
      { name: 'tin', required: true },
    ],
  },
};

function TaxFormSection({ base, onChange, current }: { base: string; onChange: () => void; current: string | null }) {
  const { t } = useTranslation();
  const [formType, setFormType] = useState('W-8BEN');
  const [values, setValues] = useState<Record<string, string>>({});
  const [signer, setSigner] = useState('');
  const [certify, setCertify] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const errors = fieldErrors(error);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setDone(false);
    const data = Object.fromEntries(Object.entries(values).filter(([k, v]) => v.trim() && FORMS[formType].fields.some((f) => f.name === k)).map(([k, v]) => [k, v.trim()]));
    try {
      await api.post(`${base}/tax-form`, { form_type: formType, data, signature: { typed_name: signer.trim(), certify } });
      setDone(true);
      onChange();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section className="card" aria-labelledby="tax-heading">
      <h2 id="tax-heading">
        {t('onboarding.taxForm')} {current ? <Badge tone="active">{t('onboarding.onFile', { form: current })}</Badge> : <Badge tone="held">{t('onboarding.missing')}</Badge>}
      </h2>
      <form onSubmit={submit} className="form-grid" aria-label={t('onboarding.taxForm')}>
        <SelectField label={t('onboarding.form')} value={formType} onChange={setFormType} options={Object.keys(FORMS).map((value) => ({ value, label: t(`onboarding.forms.${value}`) }))} />
        {FORMS[formType].fields.map((f) => (
          <TextField
            key={`${formType}-${f.name}`}
            label={t(`onboarding.field.${f.name}`)}
            type={f.type ?? 'text'}
            required={f.required}
            value={values[f.name] ?? ''}
            onChange={(v) => setValues((old) => ({ ...old, [f.name]: v }))}
            error={errors[`data.${f.name}`]}
          />
        ))}
        <TextField label={t('onboarding.signature')} required value={signer} onChange={setSigner} error={errors['signature.typed_name']} />
        <div className="field">
          <label>
            <input type="checkbox" checked={certify} onChange={(e) => setCertify(e.target.checked)} /> {t('onboarding.certify')}
          </label>
          {errors['signature.certify'] && <div className="field-error">{errors['signature.certify']}</div>}
        </div>
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary">
            {t('onboarding.sign')}
          </button>
          {done && <span role="status">{t('onboarding.filed')}</span>}
        </div>
      </form>
    </section>
  );
}
