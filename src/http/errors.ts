import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, type FieldIssue } from '../shared/errors.ts';

interface AjvIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
  keyword?: string;
}

/** Turns Fastify/Ajv validation output into field issues a person can act on. */
export function ajvIssues(errors: AjvIssue[], prefix = ''): FieldIssue[] {
  return errors.map((e) => {
    let field = (e.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    if (e.keyword === 'required' && e.params?.missingProperty) {
      field = field ? `${field}.${e.params.missingProperty}` : String(e.params.missingProperty);
      return { field: prefix + field, reason: 'is required' };
    }
    if (e.keyword === 'additionalProperties' && e.params?.additionalProperty) {
      return { field: prefix + (field ? `${field}.` : '') + String(e.params.additionalProperty), reason: 'is not allowed' };
    }
    return { field: prefix + (field || '(root)'), reason: e.message ?? 'is invalid' };
  });
}

const STATUS_BY_FASTIFY_CODE: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'The request body is larger than the configured limit.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'Send the body as application/json.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json', 'The request body is empty; send a JSON document.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request', 'The Content-Length header does not match the body.'],
};

export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError & { validation?: AjvIssue[]; validationContext?: string }, request, reply) => {
    const requestId = request.id;
    if (error instanceof AppError) {
      if (error.headers) reply.headers(error.headers);
      return reply.status(error.status).send({
        error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
        request_id: requestId,
      });
    }
    if (error.validation) {
      const where = error.validationContext ?? 'body';
      const details = ajvIssues(error.validation, where === 'body' ? '' : `${where}.`);
      return reply.status(where === 'body' ? 422 : 400).send({
        error: {
          code: where === 'body' ? 'validation_failed' : 'invalid_parameters',
          message: `The ${where} is invalid and nothing was stored; see details.`,
          details,
        },
        request_id: requestId,
      });
    }
    const mapped = error.code ? STATUS_BY_FASTIFY_CODE[error.code] : undefined;
    if (mapped) {
      return reply.status(mapped[0]).send({ error: { code: mapped[1], message: mapped[2] }, request_id: requestId });
    }
    if (error.statusCode === 429) {
      return reply.status(429).send({
        error: { code: 'rate_limited', message: 'Too many requests for this access token; retry after the Retry-After delay.' },
        request_id: requestId,
      });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send({
        error: { code: 'bad_request', message: error.message },
        request_id: requestId,
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({
      error: { code: 'internal_error', message: 'Something went wrong on our side; the request id identifies it in the logs.' },
      request_id: requestId,
    });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({
      error: { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}.` },
      request_id: request.id,
    });
  });
}
