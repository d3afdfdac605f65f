/** Compliance settings read from the environment by loadConfig (docs/compliance.md). */
export interface ComplianceSettings {
  /** Largest document upload in bytes (OPENIB_COMPLIANCE_DOCUMENT_MAX_BYTES). */
  documentMaxBytes: number;
  /** Whether /register and /register.json answer (OPENIB_PUBLIC_REGISTER=1). */
  publicRegister: boolean;
  /** SMTP server of partner emails, e.g. smtp://user:pass@mail.example.com:587 (OPENIB_SMTP_URL); unset: emails wait queued. */
  smtpUrl: string | undefined;
  /** Sender address (OPENIB_EMAIL_FROM). */
  emailFrom: string;
  /** Seconds before each attempt of an email (OPENIB_EMAIL_RETRY_SCHEDULE). */
  emailRetrySchedule: number[];
  /** Days before a document expires that its verification expires and asks for re-verification (OPENIB_VERIFICATION_NOTICE_DAYS). */
  reverifyNoticeDays: number;
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,10}$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return Number(raw);
}

export function loadComplianceSettings(env: NodeJS.ProcessEnv): ComplianceSettings {
  const schedule = (env.OPENIB_EMAIL_RETRY_SCHEDULE || '0,60,300,1800,7200,21600').split(',').map((s) => s.trim());
  if (schedule.some((s) => !/^\d{1,6}$/.test(s))) throw new Error('OPENIB_EMAIL_RETRY_SCHEDULE must be a comma-separated list of seconds, e.g. 0,60,300');
  const smtp = env.OPENIB_SMTP_URL?.trim() || undefined;
  if (smtp && !/^smtps?:\/\//.test(smtp)) throw new Error('OPENIB_SMTP_URL must start with smtp:// or smtps://');
  return {
    documentMaxBytes: whole(env, 'OPENIB_COMPLIANCE_DOCUMENT_MAX_BYTES', 5 * 1024 * 1024, 1024, 50 * 1024 * 1024),
    publicRegister: env.OPENIB_PUBLIC_REGISTER === '1',
    smtpUrl: smtp,
    emailFrom: env.OPENIB_EMAIL_FROM?.trim() || 'OpenIB <no-reply@openib.local>',
    emailRetrySchedule: schedule.map(Number),
    reverifyNoticeDays: whole(env, 'OPENIB_VERIFICATION_NOTICE_DAYS', 0, 0, 365),
  };
}
