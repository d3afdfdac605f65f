import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../../http/schemas.ts';
import { notFound } from '../../shared/errors.ts';
import { mapEvent } from './apply.ts';
import { MappingSchema } from './schema.ts';
import { deleteMapping, findMapping, listMappings, putMapping, requireMapping } from './store.ts';

const Entry = Type.Object({
  name: Type.String(),
  origin: Type.Union([Type.Literal('api'), Type.Literal('file')], { description: 'Stored through this API, or read from the mappings folder.' }),
  document: MappingSchema,
  updated_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const Params = Type.Object({ name: Type.String({ maxLength: 100 }) });
const tags = ['Connector admin'];

export const mappingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;
  const dir = config.mappingsDir;

  app.get('/api/v1/connectors/mappings', { config: { scope: 'admin' }, schema: { tags, summary: 'List mapping documents (stored and from files)', response: { 200: Type.Object({ data: Type.Array(Entry) }) } } }, async () => ({
    data: await listMappings(db, dir),
  }));

  app.get('/api/v1/connectors/mappings/:name', { config: { scope: 'admin' }, schema: { tags, summary: 'Read a mapping document', params: Params, response: { 200: Type.Object({ data: MappingSchema }), 404: ErrorBody } } }, async (request) => {
    const mapping = await findMapping(db, dir, request.params.name);
    if (!mapping) throw notFound(`Mapping "${request.params.name}"`);
    return { data: mapping };
  });

  app.put(
    '/api/v1/connectors/mappings/:name',
    {
      config: { scope: 'admin' },
      validatorCompiler: () => () => true,
      schema: {
        tags,
        summary: 'Store a mapping document (create or replace)',
        description: 'The document is checked field by field; a 422 lists every problem. A stored mapping overrides a file of the same name.',
        params: Params,
        body: MappingSchema,
        response: { 200: Type.Object({ data: Entry }), 422: ErrorBody },
      },
    },
    async (request) => ({ data: await putMapping(db, (request.params as { name: string }).name, request.body) }),
  );

  app.delete('/api/v1/connectors/mappings/:name', { config: { scope: 'admin' }, schema: { tags, summary: 'Delete a stored mapping', params: Params, response: { 204: Type.Null(), 404: ErrorBody } } }, async (request, reply) => {
    await deleteMapping(db, request.params.name);
    reply.status(204);
    return null;
  });

  app.post(
    '/api/v1/connectors/mappings/:name/preview',
    {
      config: { scope: 'admin' },
      validatorCompiler: () => () => true,
      schema: {
        tags,
        summary: 'Show what a mapping makes of a sample event, without storing anything',
        params: Params,
        body: Type.Object({}, { additionalProperties: true, description: 'A sample event as the source sends it.' }),
        response: { 200: Type.Object({ data: Type.Unknown() }), 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => ({ data: mapEvent(await requireMapping(db, dir, (request.params as { name: string }).name), request.body) }),
  );
};
