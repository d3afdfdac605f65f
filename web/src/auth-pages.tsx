import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearch } from 'wouter';
import { api, ApiError } from './api.ts';
import { LanguagePicker } from './portal/language.tsx';
import { acceptSession } from './session.tsx';
import { ErrorMessage, fieldErrors, TextField } from './ui.tsx';

/** Sign-in for partners (/portal) or broker staff (/admin). */
export function SignIn({ kind, onDone }: { kind: 'partner' | 'admin'; onDone: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const { t } = useTranslation();
  const title = kind === 'admin' ? 'Admin console' : 'Partner portal';
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const res = await api.post<{ csrf_token?: string }>(kind === 'admin' ? '/api/v1/admin/sign-in' : '/api/v1/portal/sign-in', { email: email.trim(), password }, { quiet401: true });
      acceptSession(res);
      onDone();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_credentials') setError(new Error(t('auth.badCredentials')));
      else if (err instanceof ApiError && err.code === 'account_locked')
        setError(new Error(t('auth.locked')));
      else setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="center-page" id="main">
      <form className="card narrow auth-card" onSubmit={submit} aria-labelledby="sign-in-title">
        {kind === 'partner' && <LanguagePicker />}
        <div className="brand brand-large">
          <span className="logo" aria-hidden="true">◆</span> OpenIB
        </div>
        <h1 id="sign-in-title">{kind === 'partner' ? t('auth.signInTitle') : `Sign in to the ${title.toLowerCase()}`}</h1>
        <TextField label={t('auth.email')} type="email" autoComplete="username" required value={email} onChange={setEmail} />
        <TextField label={t('auth.password')} type="password" autoComplete="current-password" required value={password} onChange={setPassword} />
        <ErrorMessage error={error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? t('auth.signingIn') : t('auth.signIn')}
        </button>
        {kind === 'partner' ? (
          <p className="muted">
            {t('auth.newPartner')} <Link href="/sign-up">{t('auth.createAccountLink')}</Link>
          </p>
        ) : (
          <p className="muted">Broker staff only. Partners sign in at <a href="/portal/">the partner portal</a>.</p>
        )}
      </form>
    </main>
  );
}

/** Partner self-registration, also through a recruit link (?recruit=<code> or the click_id the link appended). */
export function SignUp() {
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const recruitFromLink = search.get('recruit') ?? search.get('click_id') ?? '';
  const [form, setForm] = useState({ name: '', email: '', password: '', country: '', payout_currency: 'USD', recruit_code: recruitFromLink });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const { t } = useTranslation();
  const set = (k: keyof typeof form) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const errors = fieldErrors(error);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (form.password.length < 10) {
      setError(new ApiError(422, 'validation_failed', t('auth.passwordShort'), [{ field: 'password', reason: t('auth.passwordHint') }]));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const body: Record<string, string> = { name: form.name.trim(), email: form.email.trim(), password: form.password };
      if (form.country.trim()) body.country = form.country.trim().toUpperCase();
      if (form.payout_currency.trim()) body.payout_currency = form.payout_currency.trim().toUpperCase();
      if (form.recruit_code.trim()) body.recruit_code = form.recruit_code.trim();
      const res = await api.post<{ csrf_token?: string }>('/api/v1/portal/sign-up', body, { quiet401: true });
      acceptSession(res);
      navigate('/');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'email_taken') setError(new Error(t('auth.emailTaken')));
      else setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="center-page" id="main">
      <form className="card narrow auth-card" onSubmit={submit} aria-labelledby="sign-up-title">
        <LanguagePicker />
        <div className="brand brand-large">
          <span className="logo" aria-hidden="true">◆</span> OpenIB
        </div>
        <h1 id="sign-up-title">{t('auth.becomePartner')}</h1>
        {recruitFromLink && <p className="notice">{t('auth.invited')}</p>}
        <TextField label={t('auth.name')} required autoComplete="name" value={form.name} onChange={set('name')} error={errors.name} />
        <TextField label={t('auth.email')} type="email" required autoComplete="email" value={form.email} onChange={set('email')} error={errors.email} />
        <TextField label={t('auth.password')} type="password" required autoComplete="new-password" minLength={10} value={form.password} onChange={set('password')} error={errors.password} hint={t('auth.passwordHint')} />
        <div className="field-row">
          <TextField label={t('auth.country')} maxLength={2} autoComplete="country" value={form.country} onChange={set('country')} error={errors.country} />
          <TextField label={t('auth.payoutCurrency')} maxLength={3} value={form.payout_currency} onChange={set('payout_currency')} error={errors.payout_currency} />
        </div>
        <TextField label={t('auth.invitation')} value={form.recruit_code} onChange={set('recruit_code')} error={errors.recruit_code} hint={t('auth.invitationHint')} />
        <ErrorMessage error={Object.keys(errors).length ? new Error((error as Error).message) : error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? t('auth.creatingAccount') : t('auth.createAccount')}
        </button>
        <p className="muted">
          {t('auth.alreadyPartner')} <Link href="/">{t('auth.signIn')}</Link>
        </p>
      </form>
    </main>
  );
}
