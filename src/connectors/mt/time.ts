/*
 * MetaTrader servers write their times as plain DATETIME values in the server's own zone (often
 * GMT+2/+3 following EU summer time). OpenIB keeps UTC, so every source time is converted here.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function offsetMs(instant: number, zone: string): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$/;

/** '2026-03-02 11:12:30' on a server in `zone` → '2026-03-02T09:12:30.000Z'; undefined if unreadable. */
export function serverTimeToUtc(local: string | Date | null | undefined, zone = 'UTC'): string | undefined {
  if (local == null) return undefined;
  if (local instanceof Date) return Number.isNaN(local.getTime()) ? undefined : local.toISOString();
  const m = LOCAL.exec(local.trim());
  if (!m) return undefined;
  const ms = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms);
  if (zone === 'UTC') return new Date(wall).toISOString();
  // Two passes settle the offset on either side of a daylight-saving change.
  let guess = wall - offsetMs(wall, zone);
  guess = wall - offsetMs(guess, zone);
  return new Date(guess).toISOString();
}

/** MT4 marks "not closed" with the epoch. */
export function isEpoch(local: string | Date | null | undefined): boolean {
  if (local == null) return true;
  const text = local instanceof Date ? local.toISOString() : local;
  return text.startsWith('1970-01-01');
}
