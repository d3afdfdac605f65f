/** One problem with one field of one record of a request. index is absent for non-batch bodies. */
export interface FieldIssue {
  index?: number;
  field: string;
  reason: string;
}

/** The one error type the HTTP layer turns into a JSON error body with a stable code. */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: FieldIssue[];
  readonly headers?: Record<string, string>;
  constructor(status: number, code: string, message: string, details?: FieldIssue[], headers?: Record<string, string>) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} was not found.`);
export const validationFailed = (details: FieldIssue[], message?: string) =>
  new AppError(
    422,
    'validation_failed',
    message ?? `The request was rejected and nothing was stored: ${details.length} problem(s) found; see details.`,
    details,
  );
export const conflict = (code: string, message: string) => new AppError(409, code, message);
export const forbidden = (message: string) => new AppError(403, 'forbidden', message);
