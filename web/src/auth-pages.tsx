import { type FormEvent, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api, ApiError } from './api.ts';
import { acceptSession } from './session.tsx';
import { ErrorMessage, fieldErrors, TextField } from './ui.tsx';

/** Sign-in for partners (/portal) or broker staff (/admin). */
export function SignIn({ kind, onDone }: { kind: 'partner' | 'admin'; onDone: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
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
      if (err instanceof ApiError && err.code === 'invalid_credentials') setError(new Error('The email or password is not right. Check both and try again.'));
      else if (err instanceof ApiError && err.code === 'account_locked')
        setError(new Error('Too many failed attempts: this account is locked for 15 minutes. Wait, then try again, or ask your administrator.'));
      else setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="center-page" id="main">
      <form className="card narrow auth-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="brand brand-large">
          <span className="logo" aria-hidden="true">◆</span> OpenIB
        </div>
        <h1 id="sign-in-title">Sign in to the {title.toLowerCase()}</h1>
        <TextField label="Email" type="email" autoComplete="username" required value={email} onChange={setEmail} />
        <TextField label="Password" type="password" autoComplete="current-password" required value={password} onChange={setPassword} />
        <ErrorMessage error={error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {kind === 'partner' ? (
          <p className="muted">
            New partner? <Link href="/sign-up">Create an account</Link>
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
  const set = (k: keyof typeof form) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const errors = fieldErrors(error);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (form.password.length < 10) {
      setError(new ApiError(422, 'validation_failed', 'Choose a longer password.', [{ field: 'password', reason: 'at least 10 characters' }]));
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
      if (err instanceof ApiError && err.code === 'email_taken') setError(new Error('An account with this email already exists. Sign in instead, or use another email.'));
      else setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="center-page" id="main">
      <form className="card narrow auth-card" onSubmit={submit} aria-labelledby="sign-up-title">
        <div className="brand brand-large">
          <span className="logo" aria-hidden="true">◆</span> OpenIB
        </div>
        <h1 id="sign-up-title">Become a partner</h1>
        {recruitFromLink && <p className="notice">You were invited by a partner: you will join their team as a sub-IB.</p>}
        <TextField label="Your name or company" required autoComplete="name" value={form.name} onChange={set('name')} error={errors.name} />
        <TextField label="Email" type="email" required autoComplete="email" value={form.email} onChange={set('email')} error={errors.email} />
        <TextField label="Password" type="password" required autoComplete="new-password" minLength={10} value={form.password} onChange={set('password')} error={errors.password} hint="At least 10 characters." />
        <div className="field-row">
          <TextField label="Country (2 letters)" maxLength={2} autoComplete="country" value={form.country} onChange={set('country')} error={errors.country} />
          <TextField label="Payout currency" maxLength={3} value={form.payout_currency} onChange={set('payout_currency')} error={errors.payout_currency} />
        </div>
        <TextField label="Invitation code (optional)" value={form.recruit_code} onChange={set('recruit_code')} error={errors.recruit_code} hint="Filled in when you came through a partner's recruit link." />
        <ErrorMessage error={Object.keys(errors).length ? new Error((error as Error).message) : error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Creating your account…' : 'Create account'}
        </button>
        <p className="muted">
          Already a partner? <Link href="/">Sign in</Link>
        </p>
      </form>
    </main>
  );
}
