import { parseCidrList } from './risk/bot-traffic.ts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSigningKeys } from './ledger/signing.ts';
import { loadPayoutSettings, type PayoutSettings } from './payouts/settings.ts';
import { type ComplianceSettings, loadComplianceSettings } from './compliance/settings.ts';
import { type KeySettings, loadKeySettings } from './shared/keyring.ts';
import { loadWebhookSettings, type WebhookSettings } from './webhooks/settings.ts';
import { loadWebSettings, type WebSettings } from './web-auth/settings.ts';

/** Every setting OpenIB reads, from environment variables only. The README lists each one. */
export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl?: string;
  /** A streaming replica that answers reports, lists and exports (OPENIB_READ_DATABASE_URL, docs/deployment.md). */
  readDatabaseUrl?: string;
  dataDir: string;
  dbPoolSize: number;
  demo: boolean;
  logLevel: string;
  jwtSecret?: string;
  tokenTtlSeconds: number;
  rateLimitPerMinute: number;
  /** Token requests per minute per client IP and per client_id (OPENIB_TOKEN_RATE_LIMIT_PER_MINUTE). */
  tokenRateLimitPerMinute: number;
  /** Direct TLS: PEM certificate chain and private key files (both or neither). */
  tls?: { certFile: string; keyFile: string };
  bodyLimitBytes: number;
  adminClientId?: string;
  adminClientSecret?: string;
  metricsToken?: string;
  brokerTimeZone: string;
  idempotencyTtlHours: number;
  /** Milliseconds between rounds of an idle background task (OPENIB_WORKER_INTERVAL_MS). */
  workerIntervalMs: number;
  webhooks: WebhookSettings;
  /** kyc_status_id values (lower case) that mean approved / rejected; anything else is pending. */
  kycApproved: string[];
  kycRejected: string[];
  /** The encryption key ring (OPENIB_ENCRYPTION_KEYS, the earlier single-key variables, OPENIB_HASH_KEY); docs/privacy.md. */
  keys: KeySettings;
  /** Folder of mapping documents (*.json) besides those stored through the API. */
  mappingsDir: string;
  /** Where uploaded CSV files wait for their import. */
  importsDir: string;
  /** Largest CSV file POST /api/v1/imports accepts. */
  importMaxBytes: number;
  /** NATS JetStream queue feed; off unless OPENIB_NATS_URL is set. */
  nats: { url?: string; stream: string; subjects: string[]; consumer: string; deadLetterSubject: string };
  /** Partners, links and attribution (docs/partners.md). */
  maxTreeDepth: number;
  clickWindowDays: number;
  /** Clicks are buffered in memory and written at most this often (and at once when 1,000 wait, and on shutdown). */
  clickFlushMs: number;
  guaranteedAttributionDays: number;
  /**
   * What a cTrader invite does with a trader another partner already owns (OPENIB_CTRADER_REATTRIBUTION):
   * `review` (default) stores a conflict and moves nobody; `move` moves the trader at once (inside the
   * guaranteed period it goes to review); `keep` leaves the trader with its owner and answers that owner.
   */
  ctraderReattribution: 'review' | 'move' | 'keep';
  defaultDestinationUrl?: string;
  linkBaseUrl: string;
  linkAppSchemes: string[];
  /** Data-centre ranges whose clicks are marked as bots (OPENIB_RISK_DATACENTRE_CIDRS, docs/risk.md). */
  riskDatacentreCidrs: string[];
  ctraderInviteUser?: string;
  ctraderInvitePassword?: string;
  /** Recompute commissions in the background as facts arrive (OPENIB_COMMISSIONS_AUTO, on by default). */
  commissionsAuto: boolean;
  /** Payout periods, hold, minimums and reconciliation tolerance (docs/payouts.md). */
  payouts: PayoutSettings;
  /** Checkpoint signing keys (OPENIB_LEDGER_SIGNING_KEYS) and daily checkpoints (OPENIB_LEDGER_DAILY_CHECKPOINTS); docs/verification.md. */
  ledger: { signingKeys?: string; dailyCheckpoints: boolean };
  /** Sessions, sign-in limits, embed tokens and CORS (docs/web.md). */
  web: WebSettings;
  /** Documents, public register and partner emails (docs/compliance.md). */
  compliance: ComplianceSettings;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`${name} must be 0 or 1, got "${raw}"`);
}

function list(raw: string | undefined, fallback: string): string[] {
  return (raw || fallback)
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
}

function timeZone(env: NodeJS.ProcessEnv): string {
  const tz = env.OPENIB_BROKER_TIMEZONE || 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new Error(`OPENIB_BROKER_TIMEZONE must be an IANA time zone such as Europe/Nicosia, got "${tz}"`);
  }
  return tz;
}

function httpUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL, got "${raw}"`);
  return url.toString();
}

const REATTRIBUTION = ['review', 'move', 'keep'] as const;
function ctraderReattribution(env: NodeJS.ProcessEnv): Config['ctraderReattribution'] {
  const raw = (env.OPENIB_CTRADER_REATTRIBUTION ?? '').trim() || 'review';
  const found = REATTRIBUTION.find((r) => r === raw);
  if (!found) throw new Error(`OPENIB_CTRADER_REATTRIBUTION must be one of ${REATTRIBUTION.join(', ')} (got "${raw}").`);
  return found;
}

function appSchemes(env: NodeJS.ProcessEnv): string[] {
  const raw = env.OPENIB_LINK_APP_SCHEMES ?? '';
  const schemes = raw.split(',').map((s) => s.trim().toLowerCase().replace(/:$/, '')).filter(Boolean);
  const refused = ['javascript', 'data', 'vbscript', 'file', 'blob', 'about', 'http', 'https'];
  for (const s of schemes) {
    if (!/^[a-z][a-z0-9+.-]{1,31}$/.test(s) || refused.includes(s))
      throw new Error(`OPENIB_LINK_APP_SCHEMES holds "${s}", which is not an app deep-link scheme (e.g. ctrader,mybroker)`);
  }
  return schemes;
}

function tlsFiles(env: NodeJS.ProcessEnv): Config['tls'] {
  const certFile = env.OPENIB_TLS_CERT_FILE || undefined;
  const keyFile = env.OPENIB_TLS_KEY_FILE || undefined;
  if (Boolean(certFile) !== Boolean(keyFile)) throw new Error('Set both OPENIB_TLS_CERT_FILE and OPENIB_TLS_KEY_FILE, or neither.');
  return certFile && keyFile ? { certFile: resolve(certFile), keyFile: resolve(keyFile) } : undefined;
}

function ledgerSettings(env: NodeJS.ProcessEnv): Config['ledger'] {
  const signingKeys = env.OPENIB_LEDGER_SIGNING_KEYS || undefined;
  // Refused at start when malformed, before anything is signed.
  if (signingKeys) parseSigningKeys(signingKeys);
  return { signingKeys, dailyCheckpoints: bool(env, 'OPENIB_LEDGER_DAILY_CHECKPOINTS', true) };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = int(env, 'PORT', 3000);
  const host = env.HOST || '127.0.0.1';
  const adminClientId = env.OPENIB_ADMIN_CLIENT_ID || undefined;
  const adminClientSecret = env.OPENIB_ADMIN_CLIENT_SECRET || undefined;
  if (Boolean(adminClientId) !== Boolean(adminClientSecret))
    throw new Error('Set both OPENIB_ADMIN_CLIENT_ID and OPENIB_ADMIN_CLIENT_SECRET, or neither.');
  if (adminClientSecret && adminClientSecret.length < 24)
    throw new Error('OPENIB_ADMIN_CLIENT_SECRET must be at least 24 characters.');
  if (env.OPENIB_JWT_SECRET && env.OPENIB_JWT_SECRET.length < 32)
    throw new Error('OPENIB_JWT_SECRET must be at least 32 characters.');
  const ctraderInviteUser = env.OPENIB_CTRADER_INVITE_USER || undefined;
  const ctraderInvitePassword = env.OPENIB_CTRADER_INVITE_PASSWORD || undefined;
  if (Boolean(ctraderInviteUser) !== Boolean(ctraderInvitePassword))
    throw new Error('Set both OPENIB_CTRADER_INVITE_USER and OPENIB_CTRADER_INVITE_PASSWORD, or neither.');
  if (ctraderInvitePassword && ctraderInvitePassword.length < 16)
    throw new Error('OPENIB_CTRADER_INVITE_PASSWORD must be at least 16 characters.');
  const publicUrl = (env.OPENIB_PUBLIC_URL || `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/$/, '');
  return {
    port,
    host,
    publicUrl,
    databaseUrl: env.DATABASE_URL || undefined,
    readDatabaseUrl: readReplicaUrl(env),
    dataDir: env.OPENIB_DATA_DIR === 'memory://' ? 'memory://' : resolve(env.OPENIB_DATA_DIR || '.openib-data'),
    dbPoolSize: int(env, 'OPENIB_DB_POOL_SIZE', 10, 1),
    demo: bool(env, 'OPENIB_DEMO', true),
    logLevel: env.OPENIB_LOG_LEVEL || 'info',
    jwtSecret: env.OPENIB_JWT_SECRET || undefined,
    tokenTtlSeconds: int(env, 'OPENIB_TOKEN_TTL_SECONDS', 3600, 60),
    rateLimitPerMinute: int(env, 'OPENIB_RATE_LIMIT_PER_MINUTE', 1000, 1),
    tokenRateLimitPerMinute: int(env, 'OPENIB_TOKEN_RATE_LIMIT_PER_MINUTE', 30, 1),
    tls: tlsFiles(env),
    bodyLimitBytes: int(env, 'OPENIB_BODY_LIMIT_BYTES', 10 * 1024 * 1024, 1024),
    adminClientId,
    adminClientSecret,
    metricsToken: env.OPENIB_METRICS_TOKEN || undefined,
    brokerTimeZone: timeZone(env),
    idempotencyTtlHours: int(env, 'OPENIB_IDEMPOTENCY_TTL_HOURS', 24, 1),
    workerIntervalMs: int(env, 'OPENIB_WORKER_INTERVAL_MS', 1000, 10),
    webhooks: loadWebhookSettings(env),
    kycApproved: list(env.OPENIB_KYC_APPROVED_STATUSES, 'approved,verified,passed'),
    kycRejected: list(env.OPENIB_KYC_REJECTED_STATUSES, 'rejected,declined,failed'),
    keys: loadKeySettings(env),
    mappingsDir: resolve(env.OPENIB_MAPPINGS_DIR || fileURLToPath(new URL('../config/mappings/', import.meta.url))),
    importsDir: resolve(env.OPENIB_IMPORTS_DIR || join(tmpdir(), 'openib-imports')),
    importMaxBytes: int(env, 'OPENIB_IMPORT_MAX_BYTES', 1024 * 1024 * 1024, 1024),
    nats: {
      url: env.OPENIB_NATS_URL || undefined,
      stream: env.OPENIB_NATS_STREAM || 'OPENIB_INGEST',
      subjects: (env.OPENIB_NATS_SUBJECTS || 'openib.ingest.>').split(',').map((s) => s.trim()).filter(Boolean),
      consumer: env.OPENIB_NATS_CONSUMER || 'openib-ingest',
      deadLetterSubject: env.OPENIB_NATS_DEAD_LETTER_SUBJECT || 'openib.dead-letter',
    },
    maxTreeDepth: int(env, 'OPENIB_MAX_TREE_DEPTH', 10, 1),
    clickWindowDays: int(env, 'OPENIB_CLICK_WINDOW_DAYS', 90, 1),
    clickFlushMs: int(env, 'OPENIB_CLICK_FLUSH_MS', 250, 10),
    guaranteedAttributionDays: int(env, 'OPENIB_GUARANTEED_ATTRIBUTION_DAYS', 0, 0),
    ctraderReattribution: ctraderReattribution(env),
    defaultDestinationUrl: httpUrl(env, 'OPENIB_DEFAULT_DESTINATION_URL'),
    linkBaseUrl: (httpUrl(env, 'OPENIB_LINK_BASE_URL') ?? publicUrl).replace(/\/$/, ''),
    linkAppSchemes: appSchemes(env),
    riskDatacentreCidrs: parseCidrList(env.OPENIB_RISK_DATACENTRE_CIDRS),
    ctraderInviteUser,
    ctraderInvitePassword,
    commissionsAuto: bool(env, 'OPENIB_COMMISSIONS_AUTO', true),
    payouts: loadPayoutSettings(env),
    ledger: ledgerSettings(env),
    web: loadWebSettings(env, publicUrl),
    compliance: loadComplianceSettings(env),
  };
}

function readReplicaUrl(env: NodeJS.ProcessEnv): string | undefined {
  const url = env.OPENIB_READ_DATABASE_URL || undefined;
  if (url && !env.DATABASE_URL) throw new Error('OPENIB_READ_DATABASE_URL needs DATABASE_URL: a read replica follows a PostgreSQL server, not the embedded database.');
  return url;
}
