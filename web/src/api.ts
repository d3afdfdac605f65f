/** The one way the app talks to the OpenIB API: same-origin fetch with the session cookie, the CSRF token on writes. */

export interface ErrorDetail {
  index?: number;
  field?: string;
  reason?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let csrfToken: string | null = null;
export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};
export const currentCsrfToken = () => csrfToken;

/** Called when the session is gone (401 on an ordinary request): the app shows the sign-in page again. */
let onSignedOut: (() => void) | null = null;
export const whenSignedOut = (fn: (() => void) | null) => {
  onSignedOut = fn;
};

const FALLBACK: Record<number, string> = {
  401: 'Your session has ended. Sign in again to continue.',
  403: 'You do not have permission to do this. Ask an administrator if you need it.',
  404: 'Not found. It may have been removed, or the link is wrong.',
  429: 'Too many attempts. Wait a minute, then try again.',
  500: 'The server ran into a problem. Try again in a moment; if it keeps happening, tell your administrator.',
  503: 'The server is not ready. Try again in a moment.',
};

export interface RequestOptions {
  /** A body sent as-is (FormData, text) instead of JSON. */
  raw?: BodyInit;
  headers?: Record<string, string>;
  /** Do not treat a 401 as the end of the session (sign-in forms). */
  quiet401?: boolean;
  signal?: AbortSignal;
}

export async function request<T = unknown>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...(opts.headers ?? {}) };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let payload: BodyInit | undefined = opts.raw;
  if (payload === undefined && body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', signal: opts.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Could not reach the server. Check your connection and try again.');
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!res.ok) {
    const e = (parsed as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
    if (res.status === 401 && !opts.quiet401) onSignedOut?.();
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? FALLBACK[res.status] ?? `The request failed (HTTP ${res.status}).`, Array.isArray(e?.details) ? e.details : []);
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, undefined, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, body ?? {}, opts),
  put: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, body ?? {}, opts),
  patch: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PATCH', path, body ?? {}, opts),
  del: <T>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, undefined, opts),
};

/** A query string from the defined, non-empty values. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;

/** Downloads a file from the API (statement CSV/PDF, exports) through the session, then saves it. */
export async function download(path: string, fallbackName: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'Could not reach the server. Check your connection and try again.');
  }
  if (!res.ok) {
    let message = FALLBACK[res.status] ?? `The download failed (HTTP ${res.status}).`;
    try {
      message = ((await res.json()) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, `http_${res.status}`, message);
  }
  const blob = await res.blob();
  const name = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

let documented: Promise<Record<string, Record<string, unknown>>> | null = null;
/**
 * Whether this server offers a route (from its OpenAPI document), so optional features are shown only where they exist and
 * no page probes for a missing route. `path` uses the document's {param} form.
 */
export async function routeExists(method: string, path: string): Promise<boolean> {
  documented ??= request<{ paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json').then((d) => d.paths);
  try {
    return Boolean((await documented)[path]?.[method.toLowerCase()]);
  } catch {
    documented = null;
    return true;
  }
}
