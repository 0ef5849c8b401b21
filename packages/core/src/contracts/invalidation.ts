/** What one invalidation covers inside a namespace: some keys, some tags, or all of it. */
export type InvalidationScope =
  | { readonly kind: 'keys'; readonly keys: readonly string[] }
  | { readonly kind: 'tags'; readonly tags: readonly string[] }
  | { readonly kind: 'namespace' };
