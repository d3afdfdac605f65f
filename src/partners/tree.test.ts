import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChains } from '../commissions/engine/facts.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { partnerApi } from '../../test/helpers/partners.ts';
import { ancestorsAt } from './tree.ts';

let t: TestServer;
let admin: string;
let api: ReturnType<typeof partnerApi>;
const MAX_LEVELS = 4;

beforeAll(async () => {
  t = await startTestServer({ OPENIB_MAX_TREE_DEPTH: String(MAX_LEVELS) });
  admin = await t.token();
  api = partnerApi(t, admin);
});
afterAll(() => t.stop());

const ids = (page: { data: { partner_id: string }[] }) => page.data.map((n) => n.partner_id);

/** master → a → a1, master → b */
async function smallTree(prefix: string) {
  const master = await api.partner({ name: `${prefix} master` });
  const a = await api.partner({ name: `${prefix} a`, parent_id: master.partner_id });
  const b = await api.partner({ name: `${prefix} b`, parent_id: master.partner_id });
  const a1 = await api.partner({ name: `${prefix} a1`, parent_id: a.partner_id });
  return { master, a, b, a1 };
}

describe('the partner tree', () => {
  it('answers ancestors, direct children and the whole subtree with per-node counts', async () => {
    const { master, a, b, a1 } = await smallTree('T1');
    await api.customer('T1-C1', { affiliate_id: a1.affiliate_id });
    await api.customer('T1-C2', { affiliate_id: a1.affiliate_id });
    await api.customer('T1-C3', { affiliate_id: b.affiliate_id });

    const ancestors = await api.ok('GET', `/api/v1/partners/${a1.partner_id}/ancestors`);
    expect(ancestors.data.map((n: { partner_id: string; depth: number }) => [n.partner_id, n.depth])).toEqual([
      [a.partner_id, 1],
      [master.partner_id, 2],
    ]);
    const children = await api.ok('GET', `/api/v1/partners/${master.partner_id}/children`);
    expect(ids(children)).toEqual([a.partner_id, b.partner_id]);
    expect(children.data[0]).toMatchObject({ direct_children: 1, descendants: 1, customers: 0 });

    const subtree = await api.ok('GET', `/api/v1/partners/${master.partner_id}/subtree`);
    expect(subtree.meta.total).toBe(3);
    expect(subtree.data.map((n: { partner_id: string; depth: number; customers: number }) => [n.partner_id, n.depth, n.customers])).toEqual([
      [a.partner_id, 1, 0],
      [b.partner_id, 1, 1],
      [a1.partner_id, 2, 2],
    ]);
    const shallow = await api.ok('GET', `/api/v1/partners/${master.partner_id}/subtree?max_depth=1&per_page=1&page=2`);
    expect(shallow.meta.total).toBe(2);
    expect(ids(shallow)).toEqual([b.partner_id]);
  });

  it('moves a sub-IB with its subtree, effective-dated, and keeps the parent history', async () => {
    const { master, a, b, a1 } = await smallTree('T2');
    const moved = await api.ok('POST', `/api/v1/partners/${a.partner_id}/move`, { parent_id: b.partner_id, reason: 'new agreement' });
    expect(moved).toMatchObject({ moved: true, from_parent_id: master.partner_id, subtree_size: 2 });
    expect(moved.partner).toMatchObject({ parent_id: b.partner_id, depth: 2 });
    const chain = await api.ok('GET', `/api/v1/partners/${a1.partner_id}/ancestors`);
    expect(ids(chain)).toEqual([a.partner_id, b.partner_id, master.partner_id]);
    expect((await api.ok('GET', `/api/v1/partners/${a1.partner_id}`)).depth).toBe(3);
    expect(ids(await api.ok('GET', `/api/v1/partners/${b.partner_id}/subtree`))).toEqual([a.partner_id, a1.partner_id]);

    const history = await api.ok('GET', `/api/v1/partners/${a.partner_id}/parent-history`);
    expect(history.data.map((h: { parent_id: string; effective_to: string | null }) => [h.parent_id, h.effective_to === null])).toEqual([
      [master.partner_id, false],
      [b.partner_id, true],
    ]);
    expect(history.data[0].effective_to).toBe(history.data[1].effective_from);
    // The chain as it was just before the move comes from the history.
    const justBefore = new Date(Date.parse(history.data[0].effective_to) - 1).toISOString();
    const before = await ancestorsAt(t.server.ctx.db, a1.partner_id, justBefore);
    expect(before.map((x) => x.partner_id)).toEqual([a.partner_id, master.partner_id]);

    const event = (await api.events('partner.moved')).find((e) => e.subject_id === a.partner_id);
    expect(event?.data).toMatchObject({ from_parent_id: master.partner_id, to_parent_id: b.partner_id, reason: 'new agreement', subtree_size: 2 });
    expect(event?.data.ancestors.map((x: { partner_id: string }) => x.partner_id)).toEqual([b.partner_id, master.partner_id]);

    const same = await api.ok('POST', `/api/v1/partners/${a.partner_id}/move`, { parent_id: b.partner_id });
    expect(same.moved).toBe(false);
    const top = await api.ok('POST', `/api/v1/partners/${a.partner_id}/move`, { parent_id: null });
    expect(top.partner).toMatchObject({ parent_id: null, depth: 0 });
    expect((await api.ok('GET', `/api/v1/partners/${a1.partner_id}`)).depth).toBe(1);
  });

  it('refuses loops with 409 and leaves the tree as it was', async () => {
    const { master, a, a1 } = await smallTree('T3');
    for (const [who, under] of [
      [master.partner_id, a1.partner_id],
      [master.partner_id, master.partner_id],
      [a.partner_id, a1.partner_id],
    ]) {
      const res = await t.call('POST', `/api/v1/partners/${who}/move`, { token: admin, body: { parent_id: under } });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('tree_cycle');
    }
    expect(ids(await api.ok('GET', `/api/v1/partners/${a1.partner_id}/ancestors`))).toEqual([a.partner_id, master.partner_id]);
  });

  it('caps the depth at OPENIB_MAX_TREE_DEPTH levels, for new sub-IBs and for moves', async () => {
    let parent: string | null = null;
    const chain: string[] = [];
    for (let level = 1; level <= MAX_LEVELS; level++) {
      const p = await api.partner({ name: `deep ${level}`, parent_id: parent });
      chain.push(p.partner_id);
      parent = p.partner_id;
    }
    const tooDeep = await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'one too many', parent_id: parent } });
    expect(tooDeep.status).toBe(422);
    expect(tooDeep.body.error.code).toBe('tree_too_deep');

    const other = await smallTree('T4');
    // Moving a two-level subtree under level 3 would make 5 levels.
    const move = await t.call('POST', `/api/v1/partners/${other.a.partner_id}/move`, { token: admin, body: { parent_id: chain[2] } });
    expect(move.status).toBe(422);
    expect(move.body.error.code).toBe('tree_too_deep');
    const fits = await t.call('POST', `/api/v1/partners/${other.a.partner_id}/move`, { token: admin, body: { parent_id: chain[1] } });
    expect(fits.status).toBe(200);
  });

  it('records a tree backfilled after the fact: a sub-IB entered today moved under a master from an earlier date', async () => {
    const master = await api.partner({ name: 'Backfill master' });
    const sub = await api.partner({ name: 'Backfill sub' });
    const moved = await t.call('POST', `/api/v1/partners/${sub.partner_id}/move`, {
      token: admin,
      body: { parent_id: master.partner_id, effective_from: '2026-01-01T00:00:00Z', reason: 'history from the old system' },
    });
    expect(moved.status, moved.text).toBe(200);
    const history = await api.ok('GET', `/api/v1/partners/${sub.partner_id}/parent-history`);
    expect(history.data.map((h: { parent_id: string | null; effective_to: string | null }) => [h.parent_id, h.effective_to])).toEqual([
      [null, '2026-01-01T00:00:00.000Z'],
      [master.partner_id, null],
    ]);
    // The commission engine climbs the tree as it was at each fact's instant.
    const chains = await loadChains(t.server.ctx.db, [
      { partner_id: sub.partner_id, at: '2025-12-15T12:00:00Z' },
      { partner_id: sub.partner_id, at: '2026-02-15T12:00:00Z' },
    ]);
    expect([...chains.entries()].find(([k]) => k.startsWith(`${sub.partner_id}|2025-12`))?.[1]).toEqual([sub.partner_id]);
    expect([...chains.entries()].find(([k]) => k.startsWith(`${sub.partner_id}|2026-02`))?.[1]).toEqual([sub.partner_id, master.partner_id]);
    // Once the parent has changed, an earlier move would rewrite a recorded change: refused.
    const earlier = await t.call('POST', `/api/v1/partners/${sub.partner_id}/move`, { token: admin, body: { parent_id: null, effective_from: '2025-06-01T00:00:00Z' } });
    expect(earlier.status).toBe(409);
    expect(earlier.body.error.code).toBe('move_before_last_change');
  });

  it('answers bad moves with clear 4xx', async () => {
    const { a, b } = await smallTree('T5');
    const cases: [string, unknown, number, string][] = [
      [a.partner_id, { parent_id: 'pt_nobody' }, 422, 'validation_failed'],
      ['pt_nobody', { parent_id: null }, 404, 'not_found'],
      [a.partner_id, { parent_id: b.partner_id, effective_from: 'yesterday' }, 422, 'validation_failed'],
      [a.partner_id, { parent_id: b.partner_id, effective_from: '2999-01-01T00:00:00Z' }, 422, 'validation_failed'],
      [a.partner_id, {}, 422, 'validation_failed'],
    ];
    for (const [id, body, status, code] of cases) {
      const res = await t.call('POST', `/api/v1/partners/${id}/move`, { token: admin, body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
  });
});
