import { createKeySchema } from '@cachestack/core';

/** Every key the app caches, built with core's key schema (`shop:v1:<ns>:<entity>:<id>`). */
export const schema = createKeySchema({ prefix: 'shop', version: 1 });

/** The namespaces of the app. */
export const NAMESPACES = ['users', 'products', 'orders'] as const;
/** A namespace of the app. */
export type NamespaceName = (typeof NAMESPACES)[number];

/** Key builders, one per cached entity. */
export const keys = {
  user: (id: number) => schema.key({ namespace: 'users', entity: 'user', id }),
  product: (id: number) => schema.key({ namespace: 'products', entity: 'product', id }),
  category: (name: string) => schema.key({ namespace: 'products', entity: 'category', id: name }),
  order: (id: number) => schema.key({ namespace: 'orders', entity: 'order', id }),
  userOrders: (userId: number) =>
    schema.key({ namespace: 'orders', entity: 'user-orders', id: userId }),
};

/** Tags: every product of a category, every order entry of a user. */
export const tags = {
  category: (name: string) => `category:${name}`,
  user: (id: number) => `user:${id}`,
};
