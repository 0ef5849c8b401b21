import type { Attributes } from '@opentelemetry/api';

/** Plain counters of one namespace; read by the observable callback at collection time. */
export class NamespaceCounters {
  hitL1 = 0;
  hitL2 = 0;
  miss = 0;
  stale = 0;
  error = 0;
  writes = 0;
  readonly attrs: Record<'hitL1' | 'hitL2' | 'miss' | 'stale' | 'error' | 'writes', Attributes>;
  readonly loadOk: Attributes;
  readonly loadError: Attributes;

  constructor(namespace: string, base: Attributes) {
    const a = (tier: string, result: string): Attributes => ({
      ...base,
      'cachestack.namespace': namespace,
      'cachestack.tier': tier,
      'cachestack.result': result,
    });
    this.attrs = {
      hitL1: a('l1', 'hit'),
      hitL2: a('l2', 'hit'),
      miss: a('none', 'miss'),
      stale: a('grace', 'stale'),
      error: a('loader', 'error'),
      writes: { ...base, 'cachestack.namespace': namespace },
    };
    this.loadOk = { ...base, 'cachestack.namespace': namespace, 'cachestack.outcome': 'ok' };
    this.loadError = { ...base, 'cachestack.namespace': namespace, 'cachestack.outcome': 'error' };
  }
}
