import { getAt, isPlainObject, pointerSegment, setAt } from './merge.js';
import type { ConfigIssue, ConfigWarning } from './types.js';
import type { SchemaIssue } from './validator.js';

/** A correction `autoCorrect: true` may apply; each application is reported as a warning. */
export interface Correction {
  /** Stable id, found in `ConfigWarning.rule`. */
  readonly id: string;
  /** What is wrong and what the correction does, in plain words. */
  readonly description: string;
}

/**
 * Every correction, in the order they are applied. Without `autoCorrect` each of these
 * problems is an error instead.
 */
export const CORRECTIONS: readonly Correction[] = [
  {
    id: 'clamp-range',
    description:
      'A number below its minimum or above its maximum is set to that bound (e.g. `maxEntries: 0` becomes 1); a fraction that must stay below 1 (`jitter`, `eagerRefresh`) becomes 0.99.',
  },
  {
    id: 'round-integer',
    description:
      'A fractional number where a whole number is expected is rounded (e.g. `maxEntries: 99.6` becomes 100).',
  },
  {
    id: 'namespace-ttl',
    description: 'A namespace without `ttl` gets `defaults.ttl`.',
  },
  {
    id: 'threshold-order',
    description:
      'Health thresholds out of order are swapped: `hitRate.warning` must be at least `hitRate.critical` (higher is better), `l2ErrorRate.warning` at most `l2ErrorRate.critical` (lower is better).',
  },
  {
    id: 'soft-timeout-order',
    description:
      'A soft timeout at or above a (non-zero) hard timeout, in `defaults` or, after inheritance, in a namespace, is set to half the hard timeout.',
  },
  {
    id: 'heartbeat-order',
    description:
      '`coherency.instanceTimeoutMs` at or below `coherency.heartbeatMs` is set to three heartbeats.',
  },
  {
    id: 'compression-level',
    description:
      "`compression.level` outside its algorithm's range (gzip/deflate 0-9, brotli 0-11, zstd 1-22) is set to the nearest bound.",
  },
];

const isBound = (keyword: string): boolean =>
  keyword === 'minimum' || keyword === 'maximum' || keyword === 'exclusiveMaximum';

/** Applies the schema-level corrections to `data` for the issues they fix; returns the warnings. */
export function correctSchemaIssues(
  data: unknown,
  issues: readonly SchemaIssue[],
): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  for (const issue of issues) {
    const { keyword, params, path, value } = issue;
    if (isBound(keyword) && typeof value === 'number') {
      // An exclusive bound (fractions below 1) is approached to two decimals.
      const after =
        keyword === 'exclusiveMaximum' ? (params.limit as number) - 0.01 : (params.limit as number);
      setAt(data, path, after);
      const bound = keyword === 'minimum' ? 'minimum' : 'maximum';
      warnings.push({
        path,
        message: `${value} is out of range; set to the ${bound} ${after}`,
        before: value,
        after,
        rule: 'clamp-range',
      });
    } else if (
      keyword === 'type' &&
      params.type === 'integer' &&
      typeof value === 'number' &&
      Number.isFinite(value)
    ) {
      const after = Math.round(value);
      setAt(data, path, after);
      warnings.push({
        path,
        message: `${value} is not a whole number; rounded to ${after}`,
        before: value,
        after,
        rule: 'round-integer',
      });
    } else if (keyword === 'required' && /^\/namespaces\/[^/]+\/ttl$/.test(path)) {
      const fallback = getAt(data, '/defaults/ttl');
      const after = typeof fallback === 'number' && fallback >= 1 ? fallback : 300_000;
      setAt(data, path, after);
      warnings.push({
        path,
        message: `namespace has no ttl; set to defaults.ttl (${after} ms)`,
        before: undefined,
        after,
        rule: 'namespace-ttl',
      });
    }
  }
  return warnings;
}

/** Whether the issue can be fixed by {@link correctSchemaIssues}. */
export function isCorrectable(issue: SchemaIssue): boolean {
  const { keyword, params, path, value } = issue;
  return (
    (isBound(keyword) && typeof value === 'number') ||
    (keyword === 'type' &&
      params.type === 'integer' &&
      typeof value === 'number' &&
      Number.isFinite(value)) ||
    (keyword === 'required' && /^\/namespaces\/[^/]+\/ttl$/.test(path))
  );
}

type Data = Record<string, Record<string, unknown>>;

const num = (value: unknown): number => value as number;

const LEVELS: Record<string, readonly [number, number]> = {
  gzip: [0, 9],
  deflate: [0, 9],
  brotli: [0, 11],
  zstd: [1, 22],
};

/** A cross-field problem with its fix. */
interface Violation {
  readonly rule: string;
  readonly path: string;
  readonly message: string;
  readonly before: unknown;
  readonly after: unknown;
}

function findViolations(root: Data): Violation[] {
  const found: Violation[] = [];
  const health = (root.metrics?.health ?? {}) as Data;
  for (const [name, higherIsBetter] of [
    ['hitRate', true],
    ['l2ErrorRate', false],
  ] as const) {
    const pair = health[name];
    if (!pair) continue;
    const { warning, critical } = pair as { warning: number; critical: number };
    if (higherIsBetter ? warning < critical : warning > critical) {
      const relation = higherIsBetter ? 'at least' : 'at most';
      found.push({
        rule: 'threshold-order',
        path: `/metrics/health/${name}`,
        message: `warning (${warning}) must be ${relation} critical (${critical}); swapped`,
        before: { warning, critical },
        after: { warning: critical, critical: warning },
      });
    }
  }

  const defaults = root.defaults ?? {};
  const timeoutScopes: Array<[string, Record<string, unknown>]> = [['/defaults', defaults]];
  for (const [name, ns] of Object.entries(root.namespaces ?? {})) {
    if (isPlainObject(ns)) timeoutScopes.push([`/namespaces/${pointerSegment(name)}`, ns]);
  }
  for (const [scope, values] of timeoutScopes) {
    // A namespace that overrides neither timeout is covered by the check of `defaults`.
    if (
      scope !== '/defaults' &&
      values.softTimeoutMs === undefined &&
      values.hardTimeoutMs === undefined
    )
      continue;
    const soft = num(values.softTimeoutMs ?? defaults.softTimeoutMs);
    const hard = num(values.hardTimeoutMs ?? defaults.hardTimeoutMs);
    if (hard > 0 && soft >= hard) {
      const inherited = values.softTimeoutMs === undefined ? ' (inherited from defaults)' : '';
      const after = Math.floor(hard / 2);
      found.push({
        rule: 'soft-timeout-order',
        path: `${scope}/softTimeoutMs`,
        message: `softTimeoutMs (${soft} ms${inherited}) must be below hardTimeoutMs (${hard} ms); set to ${after} ms`,
        before: soft,
        after,
      });
    }
  }

  const coherency = root.coherency ?? {};
  const heartbeat = num(coherency.heartbeatMs);
  const timeout = num(coherency.instanceTimeoutMs);
  if (timeout <= heartbeat) {
    found.push({
      rule: 'heartbeat-order',
      path: '/coherency/instanceTimeoutMs',
      message: `instanceTimeoutMs (${timeout} ms) must be above heartbeatMs (${heartbeat} ms); set to three heartbeats`,
      before: timeout,
      after: heartbeat * 3,
    });
  }

  const compression = root.compression ?? {};
  const range = LEVELS[String(compression.algorithm)];
  const level = compression.level;
  if (range && typeof level === 'number' && (level < range[0] || level > range[1])) {
    const after = Math.min(range[1], Math.max(range[0], level));
    found.push({
      rule: 'compression-level',
      path: '/compression/level',
      message: `level ${level} is outside ${String(compression.algorithm)}'s range ${range[0]}-${range[1]}; set to ${after}`,
      before: level,
      after,
    });
  }
  return found;
}

/** Problems across fields that no correction can fix. */
function findUnfixable(root: Data): ConfigIssue[] {
  const weights = (root.metrics?.health as Data | undefined)?.weights;
  if (weights && Object.values(weights).every((w) => w === 0)) {
    return [
      {
        path: '/metrics/health/weights',
        message: 'at least one weight must be above 0',
        value: weights,
      },
    ];
  }
  return [];
}

/**
 * Checks the rules that span several fields on schema-valid `data`. With `autoCorrect`,
 * fixes what can be fixed (in place) and reports warnings; otherwise reports errors.
 */
export function applyCrossFieldRules(
  data: unknown,
  autoCorrect: boolean,
): { errors: ConfigIssue[]; warnings: ConfigWarning[] } {
  const root = data as Data;
  const errors = findUnfixable(root);
  const warnings: ConfigWarning[] = [];
  for (const violation of findViolations(root)) {
    if (!autoCorrect) {
      const message = violation.message.replace(/; (swapped|set to .*)$/, '');
      errors.push({ path: violation.path, message, value: violation.before });
      continue;
    }
    if (violation.rule === 'threshold-order') {
      setAt(data, violation.path, { ...(violation.after as object) });
    } else {
      setAt(data, violation.path, violation.after);
    }
    warnings.push({ ...violation });
  }
  return { errors, warnings };
}
