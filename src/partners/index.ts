import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { accountRoutes } from './accounts/routes.ts';
import { policyFrom, useAttributionPolicy } from './attribution/policy.ts';
import { attributionRoutes } from './attribution/routes.ts';
import { ctraderRoutes } from './ctrader/routes.ts';
import { redirectRoutes } from './links/redirect.ts';
import { linkRoutes } from './links/routes.ts';
import { payoutDetailsRoutes } from './payout-details-routes.ts';
import { partnerRoutes } from './routes.ts';
import { signupRoutes } from './signup-routes.ts';
import { treeRoutes } from './tree-routes.ts';

/** Partners, the IB tree, trading accounts, links, attribution and cTrader Invite. */
export const partnersArea: FastifyPluginAsyncTypebox = async (app) => {
  useAttributionPolicy(policyFrom(app.ctx.config));
  await app.register(partnerRoutes);
  await app.register(treeRoutes);
  await app.register(signupRoutes);
  await app.register(accountRoutes);
  await app.register(linkRoutes);
  await app.register(redirectRoutes);
  await app.register(attributionRoutes);
  await app.register(ctraderRoutes);
  await app.register(payoutDetailsRoutes);
};
