import { cascade, createDependencyGraph } from '@cachestack/coherency';
import type { Cache } from '@cachestack/core';
import { changeKeys, DEPENDENCIES } from '../cache/dependencies.js';
import { keys, type NamespaceName, tags } from '../cache/keys.js';
import type { UserEntries } from '../cache/legacy-keys.js';
import type { Database, Queryable } from '../db/database.js';
import {
  type CategoryListing,
  type Order,
  type Product,
  sql,
  type User,
  type UserOrders,
} from '../db/repository.js';

/** A failed business rule (mapped to a 4xx by the routes). */
export class ShopError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'ShopError';
  }
}

/** Where the services find the current namespaces (they change on reconfiguration). */
export type NamespaceSource = () => Readonly<Record<NamespaceName, Cache>>;

/** Where the services find the user entries (the namespace or its legacy-key wrapper). */
export type UserSource = () => UserEntries;

const ORDER_STATUSES = new Set(['placed', 'paid', 'shipped', 'delivered', 'cancelled']);

/**
 * The shop's reads and writes.
 *
 * - Reads are read-through: `getOrSet` with the key schema; the loader is the SQL query.
 * - Writes are write-through: the row is updated and the cache entry set inside one
 *   transaction, while the row lock is held, so concurrent writers of one row reach the
 *   cache in the order they reach the database; the cache entry is removed again when the
 *   transaction fails. Derived entries (a user's order list, a category listing) are
 *   invalidated by a dependency cascade after the commit; loaders that started before
 *   are fenced by core and never write their older result.
 */
export class Shop {
  readonly #db: Database;
  readonly #ns: NamespaceSource;
  readonly #users: UserSource;
  readonly #graph = createDependencyGraph(DEPENDENCIES);
  readonly #latency: (ms: number) => void;
  #inFlight = 0;
  #drained: (() => void) | undefined;

  constructor(
    db: Database,
    ns: NamespaceSource,
    recordLatency: (ms: number) => void = () => {},
    users: UserSource = () => ns().users,
  ) {
    this.#db = db;
    this.#ns = ns;
    this.#users = users;
    this.#latency = recordLatency;
  }

  async #timed<T>(fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await this.#track(fn);
    } finally {
      this.#latency(performance.now() - start);
    }
  }

  /** Counts an operation in flight, so that shutdown can wait for it. */
  async #track<T>(fn: () => Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await fn();
    } finally {
      if (--this.#inFlight === 0) this.#drained?.();
    }
  }

  /**
   * Resolves when no operation is in flight (or after `timeoutMs`): graceful shutdown
   * closes the cache only after the requests a closed server still runs have finished.
   */
  drain(timeoutMs = 5000): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.#drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** A user, or null. */
  getUser(id: number): Promise<User | null> {
    return this.#timed(() =>
      this.#users().getOrSet(keys.user(id), () => sql.user(this.#db, id), {
        tags: [tags.user(id)],
      }),
    );
  }

  /** Several users in one batch load (missing ids are left out). */
  async getUsers(ids: readonly number[]): Promise<User[]> {
    const values = await this.#timed(() =>
      this.#ns().users.getOrSetMany(ids.map(keys.user), async (missing) => {
        const wanted = missing.map((k) => Number(k.slice(k.lastIndexOf(':') + 1)));
        const rows = new Map((await sql.users(this.#db, wanted)).map((u) => [keys.user(u.id), u]));
        return new Map(missing.map((k) => [k, rows.get(k) ?? null]));
      }),
    );
    return values.filter((u): u is User => u !== null && u !== undefined);
  }

  /** A user's order count, total and latest orders. */
  getUserOrders(userId: number): Promise<UserOrders> {
    return this.#timed(() =>
      this.#ns().orders.getOrSet(keys.userOrders(userId), () => sql.userOrders(this.#db, userId), {
        tags: [tags.user(userId)],
      }),
    );
  }

  /** A product, or null. */
  getProduct(id: number): Promise<Product | null> {
    return this.#timed(() =>
      this.#ns().products.getOrSet(keys.product(id), async () => sql.product(this.#db, id), {
        tags: [`product:${id}`],
      }),
    );
  }

  /** The products of a category. */
  getCategory(category: string): Promise<CategoryListing> {
    return this.#timed(() =>
      this.#ns().products.getOrSet(
        keys.category(category),
        () => sql.category(this.#db, category),
        {
          tags: [tags.category(category)],
        },
      ),
    );
  }

  /** An order, or null. */
  getOrder(id: number): Promise<Order | null> {
    return this.#timed(() =>
      this.#ns().orders.getOrSet(keys.order(id), () => sql.order(this.#db, id)),
    );
  }

  /** Runs `write` in a transaction; the cache keys it wrote are deleted if it fails. */
  async #writeThrough<T>(
    write: (tx: Queryable, written: Set<[Pick<Cache, 'delete'>, string]>) => Promise<T>,
  ) {
    const written = new Set<[Pick<Cache, 'delete'>, string]>();
    try {
      return await this.#db.transaction((tx) => write(tx, written));
    } catch (error) {
      await Promise.allSettled([...written].map(([cache, key]) => cache.delete(key)));
      throw error;
    }
  }

  /** Updates a user (write-through). */
  async updateUser(id: number, patch: { name?: string; email?: string; tier?: string }) {
    return this.#track(async () => {
      const user = await this.#writeThrough(async (tx, written) => {
        const row = await sql.updateUser(tx, id, patch);
        if (row === null) throw new ShopError(404, `user ${id} not found`);
        const users = this.#users();
        written.add([users, keys.user(id)]);
        await users.set(keys.user(id), row, { tags: [tags.user(id)] });
        return row;
      });
      return user;
    });
  }

  /** Updates a product (write-through) and cascades to its category listing. */
  async updateProduct(id: number, patch: { name?: string; priceCents?: number; stock?: number }) {
    return this.#track(async () => {
      const ns = this.#ns();
      const product = await this.#writeThrough(async (tx, written) => {
        const row = await sql.updateProduct(tx, id, patch);
        if (row === null) throw new ShopError(404, `product ${id} not found`);
        written.add([ns.products, keys.product(id)]);
        await ns.products.set(keys.product(id), row, { tags: [`product:${id}`] });
        return row;
      });
      await cascade(ns.products, this.#graph, [changeKeys.productInCategory(product.category)]);
      return product;
    });
  }

  /**
   * Changes every price of a category by `percent` in one statement, then invalidates
   * what was derived from the category by its tag (the listing) and the products changed.
   */
  async repriceCategory(category: string, percent: number): Promise<{ updated: number }> {
    const ids = await sql.repriceCategory(this.#db, category, percent);
    const products = this.#ns().products;
    await products.deleteByTag(tags.category(category));
    await products.deleteMany(ids.map(keys.product));
    return { updated: ids.length };
  }

  /** Places an order: inserts it, takes the stock, writes both through, cascades. */
  async createOrder(input: { userId: number; productId: number; quantity: number }) {
    return this.#track(async () => {
      const ns = this.#ns();
      const order = await this.#writeThrough(async (tx, written) => {
        const user = await sql.user(tx, input.userId);
        if (user === null) throw new ShopError(404, `user ${input.userId} not found`);
        const product = await sql.adjustStock(tx, input.productId, -input.quantity);
        if (product === null) {
          const exists = await sql.product(tx, input.productId);
          throw exists === null
            ? new ShopError(404, `product ${input.productId} not found`)
            : new ShopError(409, `product ${input.productId} is out of stock`);
        }
        const row = await sql.insertOrder(tx, { ...input, priceCents: product.priceCents });
        written.add([ns.products, keys.product(product.id)]);
        written.add([ns.orders, keys.order(row.id)]);
        await ns.products.set(keys.product(product.id), product, {
          tags: [`product:${product.id}`],
        });
        await ns.orders.set(keys.order(row.id), row);
        return row;
      });
      await cascade(ns.orders, this.#graph, [changeKeys.ordersOfUser(order.userId)]);
      return order;
    });
  }

  /** Changes an order's status (write-through) and cascades to the user's order list. */
  async updateOrderStatus(id: number, status: string): Promise<Order> {
    return this.#track(async () => {
      if (!ORDER_STATUSES.has(status)) throw new ShopError(400, `unknown status "${status}"`);
      const ns = this.#ns();
      const order = await this.#writeThrough(async (tx, written) => {
        const row = await sql.updateOrderStatus(tx, id, status);
        if (row === null) throw new ShopError(404, `order ${id} not found`);
        written.add([ns.orders, keys.order(id)]);
        await ns.orders.set(keys.order(id), row);
        return row;
      });
      await cascade(ns.orders, this.#graph, [changeKeys.ordersOfUser(order.userId)]);
      return order;
    });
  }

  /** Deletes an order and cascades to the user's order list. */
  async deleteOrder(id: number): Promise<Order> {
    return this.#track(async () => {
      const ns = this.#ns();
      const order = await this.#writeThrough(async (tx, written) => {
        const row = await sql.deleteOrder(tx, id);
        if (row === null) throw new ShopError(404, `order ${id} not found`);
        written.add([ns.orders, keys.order(id)]);
        await ns.orders.set(keys.order(id), null);
        return row;
      });
      await cascade(ns.orders, this.#graph, [changeKeys.ordersOfUser(order.userId)]);
      return order;
    });
  }
}
