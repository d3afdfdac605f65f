import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { balanceRoutes } from './balance-routes.ts';
import { reconciliationRoutes } from './reconcile-routes.ts';
import { payoutRunRoutes } from './run-routes.ts';
import { statementRoutes } from './statement-routes.ts';

/** Payout runs, statements and their documents, the payment export, reconciliation and partners' numbers. */
export const payoutsArea: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(payoutRunRoutes);
  await app.register(statementRoutes);
  await app.register(reconciliationRoutes);
  await app.register(balanceRoutes);
};
