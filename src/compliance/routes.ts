import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { actorOf } from '../audit/http.ts';
import { businessDate } from '../shared/dates.ts';
import { overviewRoutes } from './overview-routes.ts';
import { programmeRoutes } from './programme-routes.ts';
import type { ComplianceRouteContext } from './route-access.ts';
import { taxRoutes } from './tax-routes.ts';
import { verificationRoutes } from './verification-routes.ts';
import type { Actor } from './verification.ts';

/**
 * The compliance API (docs/compliance.md): due diligence, programmes and terms, tax forms, and the
 * partner's overview. One plugin, so the multipart parser it registers serves its upload routes.
 */
export const complianceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config, clock } = app.ctx;
  const s = config.compliance;
  const context: ComplianceRouteContext = {
    db,
    s,
    today: () => businessDate(clock.now().toISOString(), config.brokerTimeZone),
    who: (request: FastifyRequest): Actor => ({ actor: actorOf(request), ip: request.ip, publicUrl: config.publicUrl }),
  };
  await app.register(multipart, { limits: { fileSize: s.documentMaxBytes, files: 1, fields: 4, fieldSize: 200, parts: 5 } });
  verificationRoutes(app, context);
  programmeRoutes(app, context);
  taxRoutes(app, context);
  overviewRoutes(app, context);
};
