import { type FormEvent, useState } from 'react';
import { api, download, enc } from '../api.ts';
import { formatDateTime, titleCase } from '../format.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, DataView, ErrorMessage, fieldErrors, PageHeader, SelectField, TableWrap, TextField, useAsync } from '../ui.tsx';

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
      <PageHeader title="Onboarding" subtitle="Verify your business, accept the partner terms and file your tax form. Payouts wait until these are complete." />
      <DataView state={overview}>
        {(d) => (
          <section className="card" aria-label="Payout status">
            {d.data.gates.held ? (
              <p role="status">
                <Badge tone="held">Payouts on hold</Badge> {d.data.gates.reason}
              </p>
            ) : (
              <p role="status">
                <Badge tone="active">Ready to be paid</Badge> Nothing holds your payouts.
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
        Business verification <Badge tone={TONE[v.status]}>{titleCase(v.status)}</Badge>
      </h2>
      {v.requested && <p className="field-error">Compliance asks: {v.requested}</p>}
      {v.reason && <p className="field-error">Rejected: {v.reason}</p>}
      {v.status === 'approved' && v.expires_on && <p className="muted">Approved until {v.expires_on} (your earliest document expiry).</p>}
      {editable ? (
        <form onSubmit={save} className="form-grid" aria-label="Verification details">
          <TextField label="Legal name" required value={legalName} onChange={setLegalName} error={errors.legal_name} />
          <SelectField
            label="You are"
            value={entity}
            onChange={setEntity}
            options={[
              { value: 'individual', label: 'An individual' },
              { value: 'company', label: 'A company' },
            ]}
          />
          {entity === 'company' && <TextField label="Company registration number" value={registration} onChange={setRegistration} error={errors.registration_number} />}
          <TextField label="Country (2 letters)" required maxLength={2} value={country} onChange={setCountry} error={errors.country} placeholder="e.g. CY" />
          <TextField label="Regulator (if you are authorised)" value={regulator} onChange={setRegulator} error={errors['authorisation.regulator']} />
          <TextField label="Licence number" value={licence} onChange={setLicence} error={errors['authorisation.licence_number']} />
          <TextField label={entity === 'company' ? 'Owner or director' : 'Your full name'} required value={owner} onChange={setOwner} error={errors['people[0].name'] ?? errors.people} />
          <ErrorMessage error={error} />
          <div className="form-actions">
            <button type="submit" className="btn btn-primary">
              Save details
            </button>
            {saved && <span role="status">Saved.</span>}
          </div>
        </form>
      ) : (
        d && (
          <p>
            {d.legal_name} · {titleCase(d.entity_type)} · {d.country}
            {d.authorisation ? ` · ${d.authorisation.regulator} ${d.authorisation.licence_number}` : ''}
          </p>
        )
      )}
      <h3>Documents</h3>
      {v.documents.length > 0 && (
        <TableWrap label="Documents" columns={['Kind', 'File', 'Expires', 'Uploaded']}>
          {v.documents.map((doc) => (
            <tr key={doc.document_id}>
              <td>{titleCase(doc.kind)}</td>
              <td>
                <ActionButton className="btn btn-small btn-ghost" onClick={() => download(`${base}/verification/documents/${enc(doc.document_id)}`, doc.file_name ?? 'document')}>
                  {doc.file_name ?? doc.content_type}
                </ActionButton>
              </td>
              <td>{doc.expires_on ?? '—'}</td>
              <td>{formatDateTime(doc.uploaded_at)}</td>
            </tr>
          ))}
        </TableWrap>
      )}
      {editable && <UploadDocument base={base} onUploaded={onChange} />}
      {editable && (
        <div className="form-actions">
          <ActionButton className="btn btn-primary" onClick={async () => { await api.post(`${base}/verification/submit`); onChange(); }}>
            Submit for review
          </ActionButton>
        </div>
      )}
    </section>
  );
}

function UploadDocument({ base, onUploaded }: { base: string; onUploaded: () => void }) {
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
    <form onSubmit={upload} className="form-grid" aria-label="Upload a document">
      <SelectField
        label="Document"
        value={kind}
        onChange={setKind}
        options={[
          { value: 'id', label: 'Identity document (passport, ID card)' },
          { value: 'proof_of_address', label: 'Proof of address' },
          { value: 'company', label: 'Company documents' },
          { value: 'licence', label: 'Licence' },
          { value: 'other', label: 'Other' },
        ]}
      />
      <TextField label="Expires on (if it has an expiry)" type="date" value={expires} onChange={setExpires} />
      <div className="field">
        <label htmlFor="document-file">File (PDF, PNG or JPEG)</label>
        <input id="document-file" type="file" accept="application/pdf,image/png,image/jpeg" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </div>
      <ErrorMessage error={error} />
      <div className="form-actions">
        <button type="submit" className="btn" disabled={!file || busy}>
          {busy ? 'Uploading…' : 'Upload'}
        </button>
      </div>
    </form>
  );
}

function TermsSection({ base, terms, onChange }: { base: string; terms: Terms; onChange: () => void }) {
  if (!terms.current) return null;
  const c = terms.current;
  return (
    <section className="card" aria-labelledby="terms-heading">
      <h2 id="terms-heading">
        {c.title} (version {c.version}) {terms.needs_acceptance ? <Badge tone="held">To accept</Badge> : <Badge tone="active">Accepted</Badge>}
      </h2>
      <pre className="terms-text" style={{ whiteSpace: 'pre-wrap', maxHeight: '16rem', overflow: 'auto' }} lang={c.language}>
        {c.body}
      </pre>
      {terms.needs_acceptance ? (
        <ActionButton className="btn btn-primary" onClick={async () => { await api.post(`${base}/terms/accept`, { version: c.version }); onChange(); }}>
          I accept version {c.version}
        </ActionButton>
      ) : (
        <p className="muted">You accepted version {terms.accepted_version}{terms.accepted_at ? ` on ${formatDateTime(terms.accepted_at)}` : ''}.</p>
      )}
    </section>
  );
}

const FORMS: Record<string, { label: string; fields: { name: string; label: string; required?: boolean; type?: string }[] }> = {
  'W-8BEN': {
    label: 'W-8BEN (individual, not a US person)',
    fields: [
      { name: 'name', label: 'Name', required: true },
      { name: 'country_of_citizenship', label: 'Country of citizenship (2 letters)', required: true },
      { name: 'permanent_address', label: 'Permanent residence address', required: true },
      { name: 'city_country', label: 'City and country', required: true },
      { name: 'country', label: 'Country of residence (2 letters)', required: true },
      { name: 'date_of_birth', label: 'Date of birth', required: true, type: 'date' },
      { name: 'foreign_tin', label: 'Foreign tax identifying number' },
      { name: 'treaty_country', label: 'Treaty country (2 letters)' },
    ],
  },
  'W-8BEN-E': {
    label: 'W-8BEN-E (entity, not a US person)',
    fields: [
      { name: 'organisation_name', label: 'Organisation name', required: true },
      { name: 'country_of_incorporation', label: 'Country of incorporation (2 letters)', required: true },
      { name: 'chapter3_status', label: 'Chapter 3 status (e.g. corporation)', required: true },
      { name: 'permanent_address', label: 'Permanent residence address', required: true },
      { name: 'city_country', label: 'City and country', required: true },
      { name: 'foreign_tin', label: 'Foreign tax identifying number' },
      { name: 'treaty_country', label: 'Treaty country (2 letters)' },
    ],
  },
  'W-9': {
    label: 'W-9 (US person)',
    fields: [
      { name: 'name', label: 'Name', required: true },
      { name: 'business_name', label: 'Business name' },
      { name: 'tax_classification', label: 'Tax classification (e.g. individual, llc)', required: true },
      { name: 'address', label: 'Address', required: true },
      { name: 'city_state_zip', label: 'City, state and ZIP', required: true },
      { name: 'tin_type', label: 'TIN type (ssn or ein)', required: true },
      { name: 'tin', label: 'Taxpayer identification number', required: true },
    ],
  },
};

function TaxFormSection({ base, onChange, current }: { base: string; onChange: () => void; current: string | null }) {
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
        Tax form {current ? <Badge tone="active">{current} on file</Badge> : <Badge tone="held">Missing</Badge>}
      </h2>
      <form onSubmit={submit} className="form-grid" aria-label="Tax form">
        <SelectField label="Form" value={formType} onChange={setFormType} options={Object.entries(FORMS).map(([value, f]) => ({ value, label: f.label }))} />
        {FORMS[formType].fields.map((f) => (
          <TextField
            key={`${formType}-${f.name}`}
            label={f.label}
            type={f.type ?? 'text'}
            required={f.required}
            value={values[f.name] ?? ''}
            onChange={(v) => setValues((old) => ({ ...old, [f.name]: v }))}
            error={errors[`data.${f.name}`]}
          />
        ))}
        <TextField label="Signature: type your full name" required value={signer} onChange={setSigner} error={errors['signature.typed_name']} />
        <div className="field">
          <label>
            <input type="checkbox" checked={certify} onChange={(e) => setCertify(e.target.checked)} /> Under penalties of perjury, I certify that the information on this form is true, correct and complete.
          </label>
          {errors['signature.certify'] && <div className="field-error">{errors['signature.certify']}</div>}
        </div>
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary">
            Sign and submit
          </button>
          {done && <span role="status">Tax form filed.</span>}
        </div>
      </form>
    </section>
  );
}
