import type { DependencyMap } from '@cachestack/coherency';
import { escapeKeyPart } from '@cachestack/core';
import { schema } from './keys.js';

const head = `${schema.prefix}:v${schema.version}`;

/**
 * The app's dependencies, for @cachestack/coherency's `createDependencyGraph` (`{name}`
 * is a parameter). The sources are "change" keys: an order change of user 7 cascades
 * from `...:orders:changed-for-user:7` to that user's order list.
 */
export const DEPENDENCIES: DependencyMap = {
  // An order of a user changed: that user's order list (count, total, latest orders).
  [`${head}:orders:changed-for-user:{userId}`]: [`${head}:orders:user-orders:{userId}`],
  // A product changed: the listing of its category.
  [`${head}:products:changed-in-category:{category}`]: [`${head}:products:category:{category}`],
};

/** Change keys, the roots of cascades. */
export const changeKeys = {
  ordersOfUser: (userId: number) => `${head}:orders:changed-for-user:${userId}`,
  productInCategory: (category: string) =>
    `${head}:products:changed-in-category:${escapeKeyPart(category)}`,
};
