import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Sql } from '../db/index.ts';

export interface TokenClaims {
  clientId: string;
  scopes: string[];
  partnerId?: string;
  tokenId: string;
}

const ISSUER = 'openib';

/** The HS256 signing key: OPENIB_JWT_SECRET when set, otherwise a random key kept in the database. */
export async function loadSigningKey(db: Sql, configured?: string): Promise<Uint8Array> {
  if (configured) return new TextEncoder().encode(configured);
  const candidate = randomBytes(48).toString('base64url');
  await db.query(
    `INSERT INTO settings (key, value) VALUES ('jwt_signing_key', to_jsonb($1::text)) ON CONFLICT (key) DO NOTHING`,
    [candidate],
  );
  const [row] = await db.query<{ value: string }>(`SELECT value FROM settings WHERE key = 'jwt_signing_key'`);
  return new TextEncoder().encode(row.value);
}

export async function issueToken(key: Uint8Array, claims: Omit<TokenClaims, 'tokenId'>, ttlSeconds: number) {
  const tokenId = randomBytes(12).toString('base64url');
  const jwt = await new SignJWT({ scope: claims.scopes.join(' '), ...(claims.partnerId ? { pid: claims.partnerId } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setSubject(claims.clientId)
    .setJti(tokenId)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key);
  return jwt;
}

export type VerifyResult = { ok: true; claims: TokenClaims } | { ok: false; reason: 'expired' | 'invalid' };

export async function verifyToken(key: Uint8Array, token: string): Promise<VerifyResult> {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'] });
    // Widget embed tokens share the signing key but are no API access tokens (src/web-auth/embed-tokens.ts).
    if (protectedHeader.typ !== 'JWT' || payload.use === 'embed') return { ok: false, reason: 'invalid' };
    if (typeof payload.sub !== 'string' || typeof payload.scope !== 'string') return { ok: false, reason: 'invalid' };
    return {
      ok: true,
      claims: {
        clientId: payload.sub,
        scopes: payload.scope.split(' ').filter(Boolean),
        partnerId: typeof payload.pid === 'string' ? payload.pid : undefined,
        tokenId: String(payload.jti ?? ''),
      },
    };
  } catch (err) {
    return { ok: false, reason: err instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
}
