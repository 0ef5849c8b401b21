/**
 * The one JSON Schema of a cachestack configuration. ajv compiles it once
 * (see `validator.ts`); the options reference in the README is generated from it
 * (`pnpm --filter @cachestack/config docs`), so descriptions and defaults live here only.
 *
 * Durations and byte sizes are numbers (ms, bytes) in the schema; the annotation
 * `x-unit` marks the fields that also accept strings such as `'5m'` or `'64mb'`,
 * which are converted before validation.
 *
 * Defaults equal the defaults of `@cachestack/core` where core has one, so that an empty
 * configuration behaves like `createCache()` without options; profiles add opinions.
 */

/** The subset of JSON Schema (draft 2020-12 / ajv v8) used by the cachestack schema. */
export interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly pattern?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | SchemaNode;
  readonly propertyNames?: SchemaNode;
  readonly oneOf?: readonly SchemaNode[];
  readonly discriminator?: { readonly propertyName: string };
  readonly if?: SchemaNode;
  readonly then?: SchemaNode;
  readonly else?: SchemaNode;
  /** Annotation: the number is a duration in ms (`'5m'` accepted) or a byte size (`'64mb'` accepted). */
  readonly 'x-unit'?: 'duration' | 'bytes';
}

const duration = (description: string, def?: number, minimum = 0): SchemaNode => ({
  type: 'number',
  'x-unit': 'duration',
  minimum,
  description,
  ...(def === undefined ? {} : { default: def }),
});

const bytes = (description: string, def?: number, minimum = 0): SchemaNode => ({
  type: 'integer',
  'x-unit': 'bytes',
  minimum,
  description,
  ...(def === undefined ? {} : { default: def }),
});

const integer = (description: string, def: number | undefined, minimum: number, maximum?: number) =>
  ({
    type: 'integer',
    minimum,
    ...(maximum === undefined ? {} : { maximum }),
    description,
    ...(def === undefined ? {} : { default: def }),
  }) satisfies SchemaNode;

const ratio = (description: string, def?: number): SchemaNode => ({
  type: 'number',
  minimum: 0,
  maximum: 1,
  description,
  ...(def === undefined ? {} : { default: def }),
});

/** A fraction in [0, 1), as core accepts for `jitter` and `eagerRefresh`. */
const fraction = (description: string, def?: number): SchemaNode => ({
  type: 'number',
  minimum: 0,
  exclusiveMaximum: 1,
  description,
  ...(def === undefined ? {} : { default: def }),
});

const oneOfStrings = (
  values: readonly string[],
  description: string,
  def?: string,
): SchemaNode => ({
  type: 'string',
  enum: values,
  description,
  ...(def === undefined ? {} : { default: def }),
});

const section = (
  description: string,
  properties: Record<string, SchemaNode>,
  required?: readonly string[],
): SchemaNode => ({
  type: 'object',
  description,
  default: {},
  additionalProperties: false,
  properties,
  ...(required ? { required } : {}),
});

const MB = 1024 * 1024;

/** Names of namespaces and rate-limit rules. */
const NAME: SchemaNode = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' };

/** Per-call defaults a namespace may override; no `default` here: namespaces inherit `defaults`. */
const overridable = {
  grace: duration('How long an expired value stays usable when the loader fails or is slow (ms).'),
  softTimeoutMs: duration(
    'After this long a slow loader is left running in the background and a stale value (within grace) is served (ms; 0 disables it).',
  ),
  hardTimeoutMs: duration(
    'After this long a loader call fails with a timeout (ms; 0 disables it).',
  ),
  eagerRefresh: fraction(
    'Fraction of the TTL after which a hit triggers a background refresh (0 disables it).',
  ),
  jitter: fraction('Random fraction by which TTLs are shortened to spread expiry (0 disables it).'),
} satisfies Record<string, SchemaNode>;

const withDefault = (node: SchemaNode, def: unknown): SchemaNode => ({ ...node, default: def });

/** Health thresholds of a rate where higher is better (warning above critical) or worse. */
const thresholds = (what: string, warning: number, critical: number): SchemaNode =>
  section(`Thresholds of ${what}.`, {
    warning: ratio(`The ${what} at which health turns to warning.`, warning),
    critical: ratio(`The ${what} at which health turns to critical.`, critical),
  });

/** The cachestack configuration schema. */
export const configSchema = {
  $id: 'https://cachestack.dev/schemas/config.json',
  type: 'object',
  description: 'A cachestack configuration.',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: 'Ignored; lets editors find this schema.' },
    l1: section('The in-process memory tier.', {
      maxEntries: integer('Maximum number of entries held in memory.', 10_000, 1),
      maxBytes: bytes(
        'Maximum estimated size of the entries held in memory (0: bounded by entries only).',
        0,
      ),
      policy: oneOfStrings(['w-tinylfu', 'lru', 'fifo', 'lfu'], 'Eviction policy.', 'w-tinylfu'),
      admission: oneOfStrings(
        ['none', 'tinylfu'],
        'Admission filter for L2 hits copied into L1 (`tinylfu`: a frequency sketch decides). Under `policy: w-tinylfu` every insertion already goes through the policy admission: `tinylfu` is then an alias that changes nothing.',
        'none',
      ),
      promotion: {
        type: ['string', 'object'],
        description:
          'When an L2 hit is copied into L1: `immediate`, `frequency` (admission decides; under `policy: w-tinylfu` the same as `immediate`), or `{ afterHits, windowMs }`.',
        default: 'immediate',
        if: { type: 'string' },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema keyword; the value is an object, never a function.
        then: { enum: ['immediate', 'frequency'] },
        else: {
          type: 'object',
          additionalProperties: false,
          required: ['afterHits', 'windowMs'],
          properties: {
            afterHits: integer(
              'Number of L2 hits within the window before promotion.',
              undefined,
              1,
            ),
            windowMs: duration('Window in which the hits are counted (ms).', undefined, 1),
          },
        },
      },
    }),
    l2: {
      type: 'object',
      description: 'The shared tier: `none`, `redis` or `file`.',
      default: { kind: 'none' },
      required: ['kind'],
      properties: { kind: { enum: ['none', 'redis', 'file'] } },
      discriminator: { propertyName: 'kind' },
      oneOf: [
        {
          description: 'No shared tier.',
          additionalProperties: false,
          properties: { kind: { const: 'none', description: 'No shared tier.' } },
        },
        {
          description: 'Redis (standalone).',
          additionalProperties: false,
          required: ['url'],
          properties: {
            kind: { const: 'redis', description: 'Redis.' },
            url: {
              type: 'string',
              pattern: '^rediss?://',
              description: 'Connection URL, `redis://` or `rediss://`. Required.',
            },
            prefix: {
              type: 'string',
              minLength: 1,
              default: 'cachestack',
              description: 'Prefix of every key.',
            },
            commandTimeoutMs: duration('Deadline of every Redis command (ms).', 1000, 1),
          },
        },
        {
          description: 'Files on the local file system (one machine).',
          additionalProperties: false,
          required: ['dir'],
          properties: {
            kind: { const: 'file', description: 'Files.' },
            dir: { type: 'string', minLength: 1, description: 'Directory of the files. Required.' },
            maxBytes: bytes('Maximum total size of the files.', 1024 * MB, 1),
            fanOut: integer('Number of subdirectories the files are spread over.', 256, 1, 65_536),
          },
        },
      ],
    },
    defaults: section('Defaults of every cache operation; namespaces may override them.', {
      ttl: duration('How long a value stays fresh (ms).', 300_000, 1),
      grace: withDefault(overridable.grace, 0),
      softTimeoutMs: withDefault(overridable.softTimeoutMs, 0),
      hardTimeoutMs: withDefault(overridable.hardTimeoutMs, 0),
      eagerRefresh: withDefault(overridable.eagerRefresh, 0),
      jitter: withDefault(overridable.jitter, 0),
    }),
    circuitBreaker: section('The L2 circuit breaker.', {
      failureThreshold: integer('Consecutive L2 failures that open the breaker.', 5, 1),
      breakDurationMs: duration(
        'How long the breaker stays open before a trial call (ms).',
        5000,
        1,
      ),
    }),
    compression: section('Compression of L2 values.', {
      algorithm: oneOfStrings(
        ['gzip', 'deflate', 'brotli', 'zstd', 'auto', 'none'],
        'Codec; `auto` picks zstd where the runtime has it, else brotli.',
        'none',
      ),
      level: integer(
        'Compression level; omitted means the codec default (gzip/deflate 0-9, brotli 0-11, zstd 1-22).',
        undefined,
        0,
        22,
      ),
      thresholdBytes: bytes('Values smaller than this are stored uncompressed.', 1024),
      minSavingsRatio: ratio(
        'Compressed output is kept only when it saves at least this fraction.',
        0.1,
      ),
      maxDecompressedBytes: bytes(
        'Largest decompressed size accepted (protects against compression bombs).',
        64 * MB,
        1,
      ),
    }),
    locking: section('Locks around loaders (single flight across processes).', {
      acquireTimeoutMs: duration('How long to wait for a lock (ms).', 5000),
      leaseMs: duration('How long a lock is held before it expires on its own (ms).', 30_000, 1),
    }),
    coherency: section('Invalidation bus between instances.', {
      enabled: { type: 'boolean', default: false, description: 'Publish and apply invalidations.' },
      channel: {
        type: 'string',
        minLength: 1,
        default: 'cachestack:invalidation',
        description: 'Pub/sub channel name.',
      },
      heartbeatMs: duration('Interval of instance heartbeats (ms).', 5000, 1),
      instanceTimeoutMs: duration(
        'An instance silent for this long is considered gone (ms).',
        15_000,
        1,
      ),
    }),
    rateLimits: {
      type: 'object',
      description: 'Named rate-limit rules.',
      default: {},
      propertyNames: NAME,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['algorithm', 'limit', 'windowMs'],
        properties: {
          algorithm: oneOfStrings(
            ['fixed-window', 'sliding-window', 'token-bucket', 'gcra'],
            'Algorithm. Required.',
          ),
          limit: integer('Requests allowed per window (bucket capacity). Required.', undefined, 1),
          windowMs: duration('Window length (refill period) (ms). Required.', undefined, 1),
          failurePolicy: oneOfStrings(
            ['open', 'closed', 'local'],
            'What a check does when its store fails: allow, deny, or fall back to a local limiter.',
            'open',
          ),
        },
      },
    },
    metrics: section('Metrics and the health score.', {
      enabled: { type: 'boolean', default: true, description: 'Publish metrics.' },
      health: section('Health-score thresholds.', {
        hitRate: thresholds('hit rate (higher is better)', 0.8, 0.5),
        latencyP95TargetMs: duration('Target p95 latency of cache reads (ms).', 50, 1),
        minLookups: integer(
          'Lookups a health window needs before the hit rate gives a verdict (fewer: "not enough traffic yet").',
          100,
          1,
        ),
        l2ErrorRate: thresholds('L2 error rate (lower is better)', 0.01, 0.05),
        weights: section('Relative weights of the health-score components.', {
          hitRate: {
            type: 'number',
            minimum: 0,
            default: 0.4,
            description: 'Weight of the hit rate.',
          },
          latency: { type: 'number', minimum: 0, default: 0.3, description: 'Weight of latency.' },
          errorRate: {
            type: 'number',
            minimum: 0,
            default: 0.3,
            description: 'Weight of the L2 error rate.',
          },
        }),
      }),
    }),
    namespaces: {
      type: 'object',
      description: 'Named namespaces; each inherits `defaults` and may override them.',
      default: {},
      propertyNames: NAME,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['ttl'],
        properties: {
          ttl: duration('How long a value stays fresh (ms). Required.', undefined, 1),
          priority: oneOfStrings(
            ['high', 'medium', 'low'],
            'Eviction priority of the namespace.',
            'medium',
          ),
          ...overridable,
        },
      },
    },
  },
} as const satisfies SchemaNode & { $id: string };
