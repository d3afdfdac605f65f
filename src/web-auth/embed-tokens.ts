import { errors, jwtVerify, SignJWT } from 'jose';
import type { AppContext, Caller } from '../http/context.ts';
import { AppError } from '../shared/errors.ts';

/**
 * Embed tokens let a browser show one partner's widget without any API secret: the broker's server
 * mints one with its admin API client, the widget sends it as a bearer token. They are JWTs signed
 * with the API's key but of their own type (header typ, claim use=embed, audience openib-embed), so
 * API routes refuse them and widget routes accept nothing else. Each names the minting client: when
 * that client is revoked, its embed tokens stop working too.
 */
const ISSUER = 'openib';
const AUDIENCE = 'openib-embed';
const TYP = 'openib-embed+jwt';
export const EMBED_SCOPES = ['reports:read'];

export async function issueEmbedToken(
  key: Uint8Array,
  input: { clientId: string; partnerId: string },
  now: Date,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: Date }> {
  const iat = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT({ use: 'embed', pid: input.partnerId })
    .setProtectedHeader({ alg: 'HS256', typ: TYP })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(input.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(key);
  return { token, expiresAt: new Date((iat + ttlSeconds) * 1000) };
}

const refused = (code: 'token_expired' | 'invalid_token', message: string) =>
  new AppError(401, code, message, undefined, { 'WWW-Authenticate': `Bearer realm="openib-embed", error="invalid_token"` });

/** The caller behind an embed token: the partner it was minted for, read-only. */
export async function authenticateEmbed(ctx: AppContext, token: string | undefined): Promise<Caller> {
  if (!token) throw refused('invalid_token', 'Send the embed token from POST /api/v1/embed-tokens as "Authorization: Bearer <token>".');
  let sub: string;
  let pid: string;
  try {
    const { payload } = await jwtVerify(token, ctx.signingKey, {
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: TYP,
      algorithms: ['HS256'],
      currentDate: ctx.clock.now(),
      requiredClaims: ['exp', 'sub'],
    });
    if (payload.use !== 'embed' || typeof payload.pid !== 'string' || typeof payload.sub !== 'string') throw new Error('not an embed token');
    sub = payload.sub;
    pid = payload.pid;
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw refused('token_expired', 'The embed token has expired; the page must fetch a new one from the broker.');
    throw refused('invalid_token', 'The embed token is not valid.');
  }
  const [client] = await ctx.db.query<{ revoked_at: string | null; scopes: string[] }>('SELECT revoked_at, scopes FROM api_clients WHERE client_id = $1', [sub]);
  if (!client || client.revoked_at || !client.scopes.includes('admin'))
    throw refused('invalid_token', 'The API client that minted this embed token has been revoked.');
  return { clientId: sub, via: 'embed', partnerId: pid, scopes: EMBED_SCOPES };
}
