import type { InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { keys } from '../src/cache/keys.js';
import { sql } from '../src/db/repository.js';
import { admin, SEED, totals } from './helpers.js';

/**
 * The public API's behaviour, run against each database (PGlite and PostgreSQL): the
 * same suite, so both back ends are held to the same outcomes.
 */
export function apiBehaviour(getApp: () => App): void {
  const inject = (opts: InjectOptions) => getApp().server.inject(opts);

  describe('reads', () => {
    it('loads a user from the database once, then serves it from L1', async () => {
      const before = totals(getApp());
      const first = await inject({ method: 'GET', url: '/api/users/5' });
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({ id: 5, name: 'User 5', email: 'user5@example.com' });
      const second = await inject({ method: 'GET', url: '/api/users/5' });
      expect(second.json()).toEqual(first.json());
      const after = totals(getApp());
      expect(after.loads - before.loads).toBe(1);
      expect(after.l1 - before.l1).toBeGreaterThanOrEqual(1);
    });

    it('answers 404 for a missing row and 400 for a malformed id', async () => {
      expect((await inject({ method: 'GET', url: '/api/users/99999' })).statusCode).toBe(404);
      expect((await inject({ method: 'GET', url: '/api/products/abc' })).statusCode).toBe(400);
      expect(
        (await inject({ method: 'GET', url: '/api/categories/nope/products' })).statusCode,
      ).toBe(400);
    });

    it('serves the seeded data deterministically', async () => {
      const product = (await inject({ method: 'GET', url: '/api/products/3' })).json();
      expect(product).toMatchObject({
        id: 3,
        category: 'kitchen',
        priceCents: 199 + ((3 * 137) % 9800),
      });
      const orders = (await inject({ method: 'GET', url: '/api/users/7/orders' })).json();
      const expected = await sql.userOrders(getApp().db, 7);
      expect(orders).toEqual(JSON.parse(JSON.stringify(expected)));
      expect(orders.count).toBeGreaterThan(0);
    });
  });

  describe('writes', () => {
    it('writes a user through to the cache: the next read needs no load', async () => {
      await inject({ method: 'GET', url: '/api/users/9' });
      const put = await inject({ method: 'PUT', url: '/api/users/9', payload: { name: 'Nine' } });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ id: 9, name: 'Nine', version: 2 });
      const before = totals(getApp());
      const read = await inject({ method: 'GET', url: '/api/users/9' });
      expect(read.json()).toMatchObject({ name: 'Nine', version: 2 });
      expect(totals(getApp()).loads).toBe(before.loads);
      expect(await sql.user(getApp().db, 9)).toMatchObject({ name: 'Nine' });
      const cached = await getApp().runtime.stack.ns.users.get(keys.user(9), { skipL1: true });
      expect(cached).toMatchObject({ name: 'Nine', version: 2 });
    });

    it('cascades an order change to the user’s order list', async () => {
      const before = (await inject({ method: 'GET', url: '/api/users/11/orders' })).json();
      const created = await inject({
        method: 'POST',
        url: '/api/orders',
        payload: { userId: 11, productId: 4, quantity: 2 },
      });
      expect(created.statusCode).toBe(201);
      const order = created.json();
      const after = (await inject({ method: 'GET', url: '/api/users/11/orders' })).json();
      expect(after.count).toBe(before.count + 1);
      expect(after.orders[0]).toMatchObject({ id: order.id, status: 'placed' });

      await inject({
        method: 'PATCH',
        url: `/api/orders/${order.id}`,
        payload: { status: 'paid' },
      });
      const paid = (await inject({ method: 'GET', url: '/api/users/11/orders' })).json();
      expect(paid.orders[0]).toMatchObject({ id: order.id, status: 'paid' });
      expect(
        (await inject({ method: 'GET', url: `/api/orders/${order.id}` })).json(),
      ).toMatchObject({
        status: 'paid',
      });

      await inject({ method: 'DELETE', url: `/api/orders/${order.id}` });
      const deleted = (await inject({ method: 'GET', url: '/api/users/11/orders' })).json();
      expect(deleted.count).toBe(before.count);
      expect((await inject({ method: 'GET', url: `/api/orders/${order.id}` })).statusCode).toBe(
        404,
      );
    });

    it('takes stock when an order is placed and refuses an order beyond the stock', async () => {
      const product = (await inject({ method: 'GET', url: '/api/products/6' })).json();
      await inject({
        method: 'POST',
        url: '/api/orders',
        payload: { userId: 2, productId: 6, quantity: 3 },
      });
      const after = (await inject({ method: 'GET', url: '/api/products/6' })).json();
      expect(after.stock).toBe(product.stock - 3);
      await inject({ method: 'PUT', url: '/api/products/6', payload: { stock: 1 } });
      const refused = await inject({
        method: 'POST',
        url: '/api/orders',
        payload: { userId: 2, productId: 6, quantity: 2 },
      });
      expect(refused.statusCode).toBe(409);
      expect((await inject({ method: 'GET', url: '/api/products/6' })).json().stock).toBe(1);
    });

    it('invalidates a category listing by tag when the category is repriced', async () => {
      const listing = (
        await inject({ method: 'GET', url: '/api/categories/toys/products' })
      ).json();
      const first = listing.products[0];
      await inject({ method: 'GET', url: `/api/products/${first.id}` });
      const reprice = await inject({
        method: 'POST',
        url: '/api/categories/toys/reprice',
        payload: { percent: 100 },
      });
      expect(reprice.json()).toEqual({ updated: SEED.products / 8 });
      const again = (await inject({ method: 'GET', url: '/api/categories/toys/products' })).json();
      expect(again.products[0].priceCents).toBe(first.priceCents * 2);
      const product = (await inject({ method: 'GET', url: `/api/products/${first.id}` })).json();
      expect(product.priceCents).toBe(first.priceCents * 2);
    });

    it('rejects invalid writes with 400', async () => {
      const bad = await inject({ method: 'PUT', url: '/api/users/1', payload: { tier: 'gold' } });
      expect(bad.statusCode).toBe(400);
      const status = await inject({
        method: 'PATCH',
        url: '/api/orders/1',
        payload: { status: 'lost' },
      });
      expect(status.statusCode).toBe(400);
    });
  });

  describe('consistency', () => {
    it('finds no mismatch after concurrent writes and reads', async () => {
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 60; i++) {
        const user = 1 + (i % 8);
        const product = 1 + (i % 5);
        ops.push(inject({ method: 'GET', url: `/api/users/${user}/orders` }));
        ops.push(inject({ method: 'GET', url: `/api/products/${product}` }));
        if (i % 3 === 0) {
          ops.push(
            inject({
              method: 'POST',
              url: '/api/orders',
              payload: { userId: user, productId: product, quantity: 1 },
            }),
          );
        }
        if (i % 4 === 0) {
          ops.push(
            inject({
              method: 'PUT',
              url: `/api/products/${product}`,
              payload: { stock: 5000 + i },
            }),
          );
          ops.push(
            inject({ method: 'PUT', url: `/api/users/${user}`, payload: { name: `U${i}` } }),
          );
        }
        ops.push(inject({ method: 'GET', url: `/api/users/${user}` }));
      }
      const results = (await Promise.all(ops)) as { statusCode: number }[];
      expect(results.every((r) => r.statusCode < 300)).toBe(true);
      const report = (
        await inject({
          method: 'POST',
          url: '/cache/consistency',
          headers: admin,
          payload: { sampleSize: 0 },
        })
      ).json();
      expect(report.compared).toBeGreaterThan(20);
      expect(report.mismatches).toEqual([]);
    });
  });
}
