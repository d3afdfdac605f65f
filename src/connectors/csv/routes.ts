import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../http/context.ts';
import { ErrorBody } from '../../http/schemas.ts';
import { AppError, validationFailed } from '../../shared/errors.ts';
import { entityNamed } from '../entities.ts';
import { runImport } from './import.ts';
import { createImport, getImport, listImports, newImportId } from './store.ts';

const ImportView = Type.Object({
  id: Type.String(),
  entity: Type.String(),
  file_name: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed'), Type.Literal('interrupted')]),
  file_bytes: Type.Integer(),
  position_bytes: Type.Integer({ description: 'Bytes committed so far; with file_bytes, the progress.' }),
  rows_done: Type.Integer(),
  rows_stored: Type.Integer(),
  rows_rejected: Type.Integer({ description: 'Rows in the validation report (GET …/report).' }),
  error: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const view = (row: Awaited<ReturnType<typeof getImport>>) => {
  const { file_path: _, report_path: __, fingerprint: ___, header: ____, ...rest } = row;
  return rest;
};
const Params = Type.Object({ id: Type.String({ maxLength: 40 }) });
const tags = ['Imports'];

/** Runs uploaded imports in the background; closing the server interrupts them (they resume later). */
export function backgroundImports(ctx: AppContext) {
  const running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  return {
    start(id: string) {
      if (running.has(id)) return;
      const controller = new AbortController();
      const done = runImport(ctx.db, { importId: id, entity: 'customer', filePath: '', signal: controller.signal, timeZone: ctx.config.brokerTimeZone })
        .catch(() => {})
        .finally(() => running.delete(id));
      running.set(id, { controller, done });
    },
    async stopAll() {
      for (const r of running.values()) r.controller.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}

export const importRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;
  const background = backgroundImports(app.ctx);
  app.addHook('onClose', () => background.stopAll());
  await app.register(multipart, { limits: { fileSize: config.importMaxBytes, files: 1, fields: 5, fieldSize: 1024, parts: 6 } });

  app.post(
    '/api/v1/imports',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Upload a CSV file to import in the background',
        description:
          'multipart/form-data with a field `entity` (customers, transactions, activity or deals) before a part `file` (CSV with a header row of field names). Answers 202 at once; read progress at GET /api/v1/imports/{id}. Bad rows are skipped and listed in the report; good rows are stored.',
        consumes: ['multipart/form-data'],
        response: { 202: Type.Object({ data: ImportView }), 406: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new AppError(415, 'unsupported_media_type', 'Send the file as multipart/form-data with fields "entity" and "file".');
      const id = newImportId();
      mkdirSync(config.importsDir, { recursive: true });
      const path = join(config.importsDir, `${id}.csv`);
      let entityField: string | undefined;
      let fileName: string | undefined;
      let bytes = 0;
      try {
        for await (const part of request.parts()) {
          if (part.type === 'field') {
            if (part.fieldname === 'entity') entityField = String(part.value);
            continue;
          }
          if (part.fieldname !== 'file' || fileName !== undefined) {
            part.file.resume();
            continue;
          }
          if (!entityNamed(entityField)) throw validationFailed([{ field: 'entity', reason: 'must come before the file and be one of customers, transactions, activity, deals, trading-accounts' }]);
          fileName = part.filename || 'upload.csv';
          part.file.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
          });
          await pipeline(part.file, createWriteStream(path));
          if (part.file.truncated) throw new AppError(413, 'payload_too_large', `The file is larger than ${config.importMaxBytes} bytes (OPENIB_IMPORT_MAX_BYTES).`);
        }
      } catch (err) {
        rmSync(path, { force: true });
        const code = (err as { code?: string }).code;
        if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError(413, 'payload_too_large', `The file is larger than ${config.importMaxBytes} bytes (OPENIB_IMPORT_MAX_BYTES).`);
        if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') throw new AppError(413, 'payload_too_large', 'Send one field "entity" and one part "file".');
        if (err instanceof AppError) throw err;
        throw new AppError(400, 'bad_request', `The multipart body could not be read: ${(err as Error).message}`);
      }
      const entity = entityNamed(entityField);
      if (!entity) throw validationFailed([{ field: 'entity', reason: 'is required: customers, transactions, activity or deals' }]);
      if (!fileName) throw validationFailed([{ field: 'file', reason: 'is required: the CSV file' }]);
      const row = await createImport(db, { id, entity, fileName: fileName.slice(0, 200), filePath: path, fingerprint: `upload:${id}`, fileBytes: bytes, reportPath: `${path}.report.csv` });
      background.start(id);
      reply.status(202);
      return { data: view(row) };
    },
  );

  app.get('/api/v1/imports', { config: { scope: 'admin' }, schema: { tags, summary: 'List imports, newest first', response: { 200: Type.Object({ data: Type.Array(ImportView) }) } } }, async () => ({
    data: (await listImports(db)).map(view),
  }));

  app.get('/api/v1/imports/:id', { config: { scope: 'admin' }, schema: { tags, summary: 'Read an import\'s progress', params: Params, response: { 200: Type.Object({ data: ImportView }), 404: ErrorBody } } }, async (request) => ({
    data: view(await getImport(db, request.params.id)),
  }));

  app.get(
    '/api/v1/imports/:id/report',
    { config: { scope: 'admin' }, schema: { tags, summary: 'The validation report of an import (CSV: row, field, reason)', params: Params, produces: ['text/csv'], response: { 200: Type.String({ description: 'CSV: row,field,reason' }), 404: ErrorBody } } },
    async (request, reply) => {
      const row = await getImport(db, request.params.id);
      const text = row.report_path && existsSync(row.report_path) ? readFileSync(row.report_path, 'utf8') : 'row,field,reason\n';
      reply.type('text/csv; charset=utf-8');
      return text;
    },
  );
};
