import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { compliancePublicRoutes } from './public-routes.ts';
import { complianceRoutes } from './routes.ts';

/** Due diligence, terms, tax forms, payout gates, the public register and partner emails (docs/compliance.md). */
export const complianceArea: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(complianceRoutes);
  await app.register(compliancePublicRoutes);
};
