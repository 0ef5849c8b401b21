import type { Queryable } from './database.js';

/** A user row. */
export interface User {
  id: number;
  name: string;
  email: string;
  tier: string;
  version: number;
  updatedAt: Date;
}

/** A product row. */
export interface Product {
  id: number;
  name: string;
  category: string;
  priceCents: number;
  stock: number;
  version: number;
  updatedAt: Date;
}

/** An order row. */
export interface Order {
  id: number;
  userId: number;
  productId: number;
  quantity: number;
  status: string;
  totalCents: number;
  createdAt: Date;
  version: number;
}

/** A user's orders as the API lists them (newest first, at most 50). */
export interface UserOrders {
  userId: number;
  count: number;
  totalCents: number;
  orders: { id: number; productId: number; status: string; totalCents: number }[];
}

/** A category listing. */
export interface CategoryListing {
  category: string;
  products: { id: number; name: string; priceCents: number }[];
}

const USER = `id, name, email, tier, version, updated_at AS "updatedAt"`;
const PRODUCT = `id, name, category, price_cents AS "priceCents", stock, version, updated_at AS "updatedAt"`;
const ORDER = `id, user_id AS "userId", product_id AS "productId", quantity, status,
  total_cents AS "totalCents", created_at AS "createdAt", version`;

/** The SQL of the app, one function per statement. Every read is what the cache loads. */
export const sql = {
  async user(db: Queryable, id: number): Promise<User | null> {
    const rows = await db.query<User>(`SELECT ${USER} FROM users WHERE id = $1`, [id]);
    return rows[0] ?? null;
  },
  async users(db: Queryable, ids: readonly number[]): Promise<User[]> {
    return db.query<User>(`SELECT ${USER} FROM users WHERE id = ANY($1::int[])`, [ids]);
  },
  async updateUser(
    db: Queryable,
    id: number,
    patch: { name?: string | undefined; email?: string | undefined; tier?: string | undefined },
  ): Promise<User | null> {
    const rows = await db.query<User>(
      `UPDATE users SET name = coalesce($2, name), email = coalesce($3, email),
         tier = coalesce($4, tier), version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING ${USER}`,
      [id, patch.name ?? null, patch.email ?? null, patch.tier ?? null],
    );
    return rows[0] ?? null;
  },
  async product(db: Queryable, id: number): Promise<Product | null> {
    const rows = await db.query<Product>(`SELECT ${PRODUCT} FROM products WHERE id = $1`, [id]);
    return rows[0] ?? null;
  },
  async products(db: Queryable, ids: readonly number[]): Promise<Product[]> {
    return db.query<Product>(`SELECT ${PRODUCT} FROM products WHERE id = ANY($1::int[])`, [ids]);
  },
  async updateProduct(
    db: Queryable,
    id: number,
    patch: {
      name?: string | undefined;
      priceCents?: number | undefined;
      stock?: number | undefined;
    },
  ): Promise<Product | null> {
    const rows = await db.query<Product>(
      `UPDATE products SET name = coalesce($2, name), price_cents = coalesce($3, price_cents),
         stock = coalesce($4, stock), version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING ${PRODUCT}`,
      [id, patch.name ?? null, patch.priceCents ?? null, patch.stock ?? null],
    );
    return rows[0] ?? null;
  },
  async adjustStock(db: Queryable, id: number, delta: number): Promise<Product | null> {
    const rows = await db.query<Product>(
      `UPDATE products SET stock = stock + $2, version = version + 1, updated_at = now()
       WHERE id = $1 AND stock + $2 >= 0 RETURNING ${PRODUCT}`,
      [id, delta],
    );
    return rows[0] ?? null;
  },
  async repriceCategory(db: Queryable, category: string, percent: number): Promise<number[]> {
    const rows = await db.query<{ id: number }>(
      `UPDATE products SET price_cents = greatest(1, round(price_cents * (100 + $2::numeric) / 100)::int),
         version = version + 1, updated_at = now()
       WHERE category = $1 RETURNING id`,
      [category, percent],
    );
    return rows.map((r) => r.id);
  },
  async category(db: Queryable, category: string): Promise<CategoryListing> {
    const products = await db.query<{ id: number; name: string; priceCents: number }>(
      `SELECT id, name, price_cents AS "priceCents" FROM products WHERE category = $1 ORDER BY id`,
      [category],
    );
    return { category, products };
  },
  async order(db: Queryable, id: number): Promise<Order | null> {
    const rows = await db.query<Order>(`SELECT ${ORDER} FROM orders WHERE id = $1`, [id]);
    return rows[0] ?? null;
  },
  async insertOrder(
    db: Queryable,
    order: { userId: number; productId: number; quantity: number; priceCents: number },
  ): Promise<Order> {
    const rows = await db.query<Order>(
      `INSERT INTO orders (user_id, product_id, quantity, status, total_cents, created_at)
       VALUES ($1, $2, $3, 'placed', $4, now()) RETURNING ${ORDER}`,
      [order.userId, order.productId, order.quantity, order.priceCents * order.quantity],
    );
    return rows[0]!;
  },
  async updateOrderStatus(db: Queryable, id: number, status: string): Promise<Order | null> {
    const rows = await db.query<Order>(
      `UPDATE orders SET status = $2, version = version + 1 WHERE id = $1 RETURNING ${ORDER}`,
      [id, status],
    );
    return rows[0] ?? null;
  },
  async deleteOrder(db: Queryable, id: number): Promise<Order | null> {
    const rows = await db.query<Order>(`DELETE FROM orders WHERE id = $1 RETURNING ${ORDER}`, [id]);
    return rows[0] ?? null;
  },
  async userOrders(db: Queryable, userId: number): Promise<UserOrders> {
    // One statement, so the summary and the list come from one snapshot.
    const [row] = await db.query<{
      count: number;
      totalCents: number;
      orders: UserOrders['orders'];
    }>(
      `WITH o AS (SELECT id, product_id, status, total_cents FROM orders WHERE user_id = $1)
       SELECT (SELECT count(*)::int FROM o) AS count,
              (SELECT coalesce(sum(total_cents), 0)::int FROM o) AS "totalCents",
              coalesce((SELECT json_agg(x) FROM (
                SELECT id, product_id AS "productId", status, total_cents AS "totalCents"
                FROM o ORDER BY id DESC LIMIT 50) x), '[]'::json) AS orders`,
      [userId],
    );
    return {
      userId,
      count: row?.count ?? 0,
      totalCents: row?.totalCents ?? 0,
      orders: row?.orders ?? [],
    };
  },
  async maxIds(db: Queryable): Promise<{ users: number; products: number; orders: number }> {
    const [row] = await db.query<{ users: number; products: number; orders: number }>(
      `SELECT (SELECT coalesce(max(id), 0) FROM users)::int AS users,
              (SELECT coalesce(max(id), 0) FROM products)::int AS products,
              (SELECT coalesce(max(id), 0) FROM orders)::int AS orders`,
    );
    return row ?? { users: 0, products: 0, orders: 0 };
  },
};
