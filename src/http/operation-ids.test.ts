import { describe, expect, it } from 'vitest';
import { operationId } from './operation-ids.ts';

describe('operationId', () => {
  it.each([
    ['GET', '/api/v1/partners', 'getPartners'],
    ['POST', '/api/v1/partners', 'postPartners'],
    ['GET', '/api/v1/partners/:id', 'getPartnersById'],
    ['POST', '/api/v1/partners/{id}/move', 'postPartnersByIdMove'],
    ['GET', '/api/v1/partners/:partner_id/postbacks/:id', 'getPartnersByPartnerIdPostbacksById'],
    ['POST', '/api/v1/integrations/ctrader-invite', 'postIntegrationsCtraderInvite'],
    ['GET', '/api/v1/reports/partners/:id/earnings', 'getReportsPartnersByIdEarnings'],
    ['POST', '/oauth/token', 'postOauthToken'],
    ['GET', '/l/:code', 'getLByCode'],
    ['GET', '/healthz', 'getHealthz'],
    ['GET', '/api/v1/links/:code/qr.png', 'getLinksByCodeQrPng'],
    ['GET', '/', 'getRoot'],
  ])('%s %s → %s', (method, url, id) => {
    expect(operationId(method, url)).toBe(id);
  });
});
