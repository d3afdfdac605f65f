import type { FastifyPluginAsync } from 'fastify';
import { importRoutes } from './csv/routes.ts';
import { deadLetterRoutes } from './dead-letter-routes.ts';
import { postbackRoutes } from './inbound/postback.ts';
import { inboundRoutes } from './inbound/routes.ts';
import { sourceRoutes } from './inbound/source-routes.ts';
import { mappingRoutes } from './mapping/routes.ts';
import { pullRoutes } from './pull/routes.ts';

/** Every connector route; each door is its own plugin (the webhook door reads bodies raw). */
export const connectorRoutes: FastifyPluginAsync = async (app) => {
  await app.register(inboundRoutes);
  await app.register(postbackRoutes);
  await app.register(sourceRoutes);
  await app.register(mappingRoutes);
  await app.register(deadLetterRoutes);
  await app.register(pullRoutes);
  await app.register(importRoutes);
};
