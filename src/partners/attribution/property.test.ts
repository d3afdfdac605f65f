import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { partnerApi, visit } from '../../../test/helpers/partners.ts';

/**
 * Random sequences of partner creation, tree moves, registrations (by click or affiliate_id), later
 * claims and back-dated reassignments, checked against the two invariants that must never break:
 * a customer has at most one owner at every instant, and the tree has no cycles (and matches a
 * model of it exactly).
 */

const MAX_LEVELS = 5;
let t: TestServer;
let admin: string;
let api: ReturnType<typeof partnerApi>;
let run = 0;

beforeAll(async () => {
  t = await startTestServer({ OPENIB_MAX_TREE_DEPTH: String(MAX_LEVELS), OPENIB_RATE_LIMIT_PER_MINUTE: '1000000' });
  admin = await t.token();
  api = partnerApi(t, admin);
});
afterAll(() => t.stop());

type Command =
  | { kind: 'partner'; parent: number | null }
  | { kind: 'move'; who: number; parent: number | null }
  | { kind: 'register'; day: number; claim: number | null; viaClick: boolean }
  | { kind: 'claim'; customer: number; partner: number }
  | { kind: 'reassign'; customer: number; partner: number; day: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('partner' as const), parent: fc.option(fc.nat(50), { nil: null }) }),
  fc.record({ kind: fc.constant('move' as const), who: fc.nat(50), parent: fc.option(fc.nat(50), { nil: null }) }),
  fc.record({ kind: fc.constant('register' as const), day: fc.integer({ min: 0, max: 59 }), claim: fc.option(fc.nat(50), { nil: null }), viaClick: fc.boolean() }),
  fc.record({ kind: fc.constant('claim' as const), customer: fc.nat(50), partner: fc.nat(50) }),
  fc.record({ kind: fc.constant('reassign' as const), customer: fc.nat(50), partner: fc.nat(50), day: fc.integer({ min: 0, max: 89 }) }),
);

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString();
const pick = <T>(list: T[], n: number): T | undefined => (list.length ? list[n % list.length] : undefined);

interface World {
  partners: { id: string; affiliate: string; link?: string }[];
  parent: Map<string, string | null>;
  customers: string[];
  modified: number;
}

/** The model's ancestors of a partner, nearest first. */
function chain(world: World, id: string): string[] {
  const out: string[] = [];
  for (let p = world.parent.get(id) ?? null; p !== null; p = world.parent.get(p) ?? null) out.push(p);
  return out;
}
const height = (world: World, id: string): number =>
  Math.max(0, ...[...world.parent].filter(([, p]) => p === id).map(([child]) => 1 + height(world, child)));

async function apply(world: World, c: Command, prefix: string): Promise<void> {
  switch (c.kind) {
    case 'partner': {
      const parent = c.parent === null ? null : (pick(world.partners, c.parent)?.id ?? null);
      const res = await t.call('POST', '/api/v1/partners', { token: admin, body: { name: `${prefix} p${world.partners.length}`, parent_id: parent } });
      const tooDeep = parent !== null && chain(world, parent).length + 2 > MAX_LEVELS;
      expect(res.status).toBe(tooDeep ? 422 : 201);
      if (res.status === 201) {
        world.partners.push({ id: res.body.partner_id, affiliate: res.body.affiliate_id });
        world.parent.set(res.body.partner_id, parent);
      }
      return;
    }
    case 'move': {
      const who = pick(world.partners, c.who)?.id;
      if (!who) return;
      const parent = c.parent === null ? null : (pick(world.partners, c.parent)?.id ?? null);
      const res = await t.call('POST', `/api/v1/partners/${who}/move`, { token: admin, body: { parent_id: parent } });
      const loop = parent !== null && (parent === who || chain(world, parent).includes(who));
      const tooDeep = !loop && (parent === null ? 0 : chain(world, parent).length + 1) + height(world, who) + 1 > MAX_LEVELS;
      expect(res.status, `move ${who} under ${parent}: ${res.text}`).toBe(loop ? 409 : tooDeep ? 422 : 200);
      if (res.status === 200) world.parent.set(who, parent);
      return;
    }
    case 'register': {
      const id = `${prefix}-c${world.customers.length}`;
      const partner = c.claim === null ? undefined : pick(world.partners, c.claim);
      const record: Record<string, unknown> = { customer_id: id, signup_date: day(c.day), affiliate_id: partner?.affiliate ?? '' };
      if (partner && c.viaClick) {
        partner.link ??= (await api.link(partner.id)).code;
        record.click_id = (await visit(t, partner.link as string)).clickId;
        record.signup_date = new Date().toISOString();
        record.affiliate_id = '';
      }
      await api.customers([record]);
      world.customers.push(id);
      const owner = await api.ownerAt(id, record.signup_date as string);
      expect(owner).toBe(partner?.id ?? null);
      return;
    }
    case 'claim': {
      const customer = pick(world.customers, c.customer);
      const partner = pick(world.partners, c.partner);
      if (!customer || !partner) return;
      world.modified += 1;
      await api.customers([
        { customer_id: customer, signup_date: day(0), affiliate_id: partner.affiliate, last_modified_date: new Date(Date.UTC(2026, 5, 1, 0, 0, world.modified)).toISOString() },
      ]);
      return;
    }
    case 'reassign': {
      const customer = pick(world.customers, c.customer);
      const partner = pick(world.partners, c.partner);
      if (!customer || !partner) return;
      const at = day(c.day);
      const justBefore = new Date(Date.parse(at) - 1).toISOString();
      const ownerBefore = await api.ownerAt(customer, justBefore);
      const res = await t.call('POST', `/api/v1/customers/${customer}/reassign`, { token: admin, body: { partner_id: partner.id, effective_from: at, reason: 'property test', force: true } });
      expect(res.status, res.text).toBe(200);
      expect(await api.ownerAt(customer, at)).toBe(partner.id);
      expect(await api.ownerAt(customer, day(200))).toBe(partner.id);
      expect(await api.ownerAt(customer, justBefore)).toBe(ownerBefore);
      return;
    }
  }
}

/** No two periods in force overlap, and every instant in a period answers that period's owner. */
async function assertOneOwner(world: World) {
  const [{ overlaps }] = await t.server.ctx.db.query<{ overlaps: number }>(
    `SELECT count(*)::int AS overlaps FROM attributions a JOIN attributions b
       ON a.customer_id = b.customer_id AND a.attribution_id < b.attribution_id
     WHERE a.superseded_at IS NULL AND b.superseded_at IS NULL
       AND tstzrange(a.effective_from, a.effective_to) && tstzrange(b.effective_from, b.effective_to)`,
  );
  expect(overlaps).toBe(0);
  for (const customer of world.customers) {
    const { periods } = await api.attribution(customer);
    for (let i = 1; i < periods.length; i++) expect(periods[i].effective_from >= periods[i - 1].effective_to).toBe(true);
    for (const p of periods) expect(await api.ownerAt(customer, p.effective_from)).toBe(p.partner_id);
  }
}

/** Every partner's ancestors end at a top-level partner without repeating, and equal the model. */
async function assertNoCycles(world: World) {
  for (const { id } of world.partners) {
    const expected = chain(world, id);
    expect(new Set([id, ...expected]).size).toBe(expected.length + 1);
    const ancestors = await api.ok('GET', `/api/v1/partners/${id}/ancestors`);
    expect(ancestors.data.map((a: { partner_id: string }) => a.partner_id)).toEqual(expected);
    const partner = await api.ok('GET', `/api/v1/partners/${id}`);
    expect(partner.parent_id).toBe(world.parent.get(id));
    expect(partner.depth).toBe(expected.length);
  }
  const [{ bad }] = await t.server.ctx.db.query<{ bad: number }>(
    `SELECT count(*)::int AS bad FROM partners p
     WHERE p.depth <> (SELECT count(*) FROM partner_tree t WHERE t.descendant_id = p.partner_id AND t.depth > 0)
        OR EXISTS (SELECT 1 FROM partner_tree t WHERE t.ancestor_id = p.partner_id AND t.descendant_id = p.partner_id AND t.depth > 0)`,
  );
  expect(bad).toBe(0);
}

describe('invariants under random sequences', () => {
  it('at most one owner at every instant, and no cycles', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 4, maxLength: 24 }), async (commands) => {
        const world: World = { partners: [], parent: new Map(), customers: [], modified: 0 };
        const prefix = `prop${++run}`;
        for (const c of [{ kind: 'partner', parent: null } as Command, ...commands]) await apply(world, c, prefix);
        await assertOneOwner(world);
        await assertNoCycles(world);
      }),
      { numRuns: Number(process.env.OPENIB_PROPERTY_RUNS ?? 25) },
    );
  });

  it('keeps both invariants when reassignments and moves race each other', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(5), fc.nat(5), fc.integer({ min: 0, max: 89 })), { minLength: 4, maxLength: 12 }),
        async (ops) => {
          const prefix = `race${++run}`;
          const world: World = { partners: [], parent: new Map(), customers: [], modified: 0 };
          for (let i = 0; i < 6; i++) await apply(world, { kind: 'partner', parent: i > 0 && i < 4 ? i - 1 : null }, prefix);
          for (let i = 0; i < 3; i++) await apply(world, { kind: 'register', day: i, claim: i, viaClick: false }, prefix);
          await Promise.all(
            ops.map(([a, b, d]) =>
              a % 2
                ? t.call('POST', `/api/v1/customers/${world.customers[a % 3]}/reassign`, {
                    token: admin,
                    body: { partner_id: world.partners[b].id, effective_from: day(d), reason: 'race', force: true },
                  })
                : t.call('POST', `/api/v1/partners/${world.partners[a].id}/move`, { token: admin, body: { parent_id: world.partners[b].id } }),
            ),
          );
          for (const { id } of world.partners) world.parent.set(id, (await api.ok('GET', `/api/v1/partners/${id}`)).parent_id);
          await assertOneOwner(world);
          await assertNoCycles(world);
        },
      ),
      { numRuns: Number(process.env.OPENIB_PROPERTY_RUNS ?? 25) },
    );
  });
});
