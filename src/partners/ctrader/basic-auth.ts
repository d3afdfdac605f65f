import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../shared/errors.ts';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Checks HTTP Basic credentials against the configured pair in constant time: both sides are
 * hashed first, so neither the length nor the first differing byte shows in the timing.
 */
export function assertBasic(header: string | undefined, user: string, password: string): void {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]{1,1000})\s*$/i.exec(header) : null;
  const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const expected = digest(`${user}:${password}`);
  const ok = timingSafeEqual(digest(decoded), expected);
  if (!ok)
    throw new AppError(401, 'unauthorized', 'Send the cTrader Invite credentials configured for this broker as HTTP Basic.', undefined, {
      'WWW-Authenticate': 'Basic realm="openib-ctrader-invite", charset="UTF-8"',
    });
}
