import { applyCrossFieldRules, correctSchemaIssues, isCorrectable } from './corrections.js';
import {
  CircularDataError,
  deepFreeze,
  getAt,
  isPlainObject,
  mergeData,
  nonPlainObjects,
  setAt,
} from './merge.js';
import { isProfileName, PROFILES, type ProfileName } from './profiles.js';
import { configSchema } from './schema.js';
import type { CacheStackConfig, ConfigIssue, ConfigWarning, NamespaceConfig } from './types.js';
import { normalizeUnits } from './units.js';
import { checkSchema } from './validator.js';

/** How unknown keys (and environment variables naming no option) are treated. */
export type UnknownKeysMode = 'error' | 'warn';

/** Options of {@link validateConfig}. */
export interface ValidateOptions {
  /**
   * Apply the documented corrections (see `CORRECTIONS`) instead of reporting those
   * problems as errors; each correction is reported as a warning.
   * @defaultValue false
   */
  readonly autoCorrect?: boolean;
  /**
   * `error`: an unknown key makes the configuration invalid. `warn`: it is dropped and
   * reported as a warning.
   * @defaultValue 'error'
   */
  readonly unknownKeys?: UnknownKeysMode;
  /**
   * Profile layered under the input, or `none`.
   * @defaultValue 'none'
   */
  readonly profile?: ProfileName | 'none';
}

/** Outcome of a validation; never thrown. */
export type ValidationResult =
  | {
      readonly valid: true;
      /** The resolved configuration, deeply frozen. */
      readonly config: CacheStackConfig;
      readonly errors: readonly [];
      readonly warnings: readonly ConfigWarning[];
    }
  | {
      readonly valid: false;
      readonly config: undefined;
      /** Every problem found. */
      readonly errors: readonly ConfigIssue[];
      readonly warnings: readonly ConfigWarning[];
    };

/** One source of configuration, lowest precedence first. */
export interface ConfigLayer {
  /** Where it comes from, for messages: `profile test`, `file ./cache.json`, `environment`. */
  readonly source: string;
  readonly data: unknown;
}

/** Problems found while reading layers, before they are merged. */
export interface LayerProblems {
  readonly errors?: readonly ConfigIssue[];
  readonly unknown?: readonly ConfigIssue[];
  readonly warnings?: readonly ConfigWarning[];
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function unknownKey(issue: ConfigIssue): ConfigWarning {
  return {
    path: issue.path,
    message: `${issue.message} (ignored)`,
    before: issue.value,
    after: undefined,
    rule: 'unknown-key',
  };
}

/** Resolves every namespace (flat input) into `{ priority, defaults }` and drops `$schema`. */
function finalize(data: Record<string, unknown>): CacheStackConfig {
  const { $schema: _ignored, ...rest } = data;
  const defaults = rest.defaults as Record<string, unknown>;
  const namespaces: Record<string, NamespaceConfig> = {};
  for (const [name, raw] of Object.entries(
    rest.namespaces as Record<string, Record<string, unknown>>,
  )) {
    namespaces[name] = {
      priority: raw.priority as NamespaceConfig['priority'],
      defaults: {
        ttl: raw.ttl as number,
        grace: (raw.grace ?? defaults.grace) as number,
        softTimeoutMs: (raw.softTimeoutMs ?? defaults.softTimeoutMs) as number,
        hardTimeoutMs: (raw.hardTimeoutMs ?? defaults.hardTimeoutMs) as number,
        eagerRefresh: (raw.eagerRefresh ?? defaults.eagerRefresh) as number,
        jitter: (raw.jitter ?? defaults.jitter) as number,
      },
    };
  }
  return deepFreeze({ ...rest, namespaces } as unknown as CacheStackConfig);
}

/**
 * Merges layers (later ones win), converts units, validates against the schema,
 * applies corrections when asked, checks the cross-field rules and resolves.
 * Never throws on bad input.
 */
export function resolveLayers(
  layers: readonly ConfigLayer[],
  options: ValidateOptions = {},
  problems: LayerProblems = {},
): ValidationResult {
  const autoCorrect = options.autoCorrect ?? false;
  const warnUnknown = options.unknownKeys === 'warn';
  const errors: ConfigIssue[] = [...(problems.errors ?? [])];
  const warnings: ConfigWarning[] = [...(problems.warnings ?? [])];

  let merged: Record<string, unknown> = {};
  let circular = false;
  for (const layer of layers) {
    if (layer.data === undefined) continue;
    if (!isPlainObject(layer.data)) {
      errors.push({
        path: '',
        message: `${layer.source}: a configuration must be an object; got ${describeType(layer.data)}`,
        value: layer.data,
      });
      continue;
    }
    try {
      merged = mergeData(merged, layer.data) as Record<string, unknown>;
    } catch (error) {
      if (!(error instanceof CircularDataError)) throw error;
      circular = true;
      errors.push({
        path: '',
        message: `${layer.source}: contains a circular reference`,
        value: undefined,
      });
    }
  }
  if (circular) {
    // Nothing below can walk a cyclic value safely.
    return { valid: false, config: undefined, errors, warnings };
  }

  const unitIssues = normalizeUnits(merged, configSchema);
  // A Map or a class instance would pass as an empty object; JSON cannot hold them anyway.
  for (const [path, name] of nonPlainObjects(merged)) {
    unitIssues.push({
      path,
      message: `must be plain JSON data; got a ${name}`,
      value: getAt(merged, path),
    });
  }
  errors.push(...unitIssues);
  const reported = new Set(unitIssues.map((i) => i.path));

  let issues = checkSchema(merged);
  for (let pass = 0; autoCorrect && pass < 3; pass++) {
    const fixable = issues.filter((i) => isCorrectable(i) && !reported.has(i.path));
    if (fixable.length === 0) break;
    warnings.push(...correctSchemaIssues(merged, fixable));
    issues = checkSchema(merged);
  }
  for (const { keyword, params: _p, ...issue } of issues) {
    if (reported.has(issue.path)) continue;
    if (keyword === 'additionalProperties' && warnUnknown) {
      warnings.push(unknownKey(issue));
      setAt(merged, issue.path, undefined);
    } else {
      errors.push(issue);
    }
  }
  for (const issue of problems.unknown ?? []) {
    if (warnUnknown) warnings.push(unknownKey(issue));
    else errors.push(issue);
  }

  if (errors.length === 0) {
    const cross = applyCrossFieldRules(merged, autoCorrect);
    errors.push(...cross.errors);
    warnings.push(...cross.warnings);
    // Corrections produce valid values by construction; this keeps it that way.
    if (cross.warnings.length > 0) {
      for (const { keyword: _k, params: _p, ...issue } of checkSchema(merged)) errors.push(issue);
    }
  }
  if (errors.length > 0) return { valid: false, config: undefined, errors, warnings };
  return { valid: true, config: finalize(merged), errors: [], warnings };
}

/**
 * Validates a configuration object (over the schema defaults and an optional profile).
 * Never throws on bad input and never modifies `input`; returns every error found
 * and, when valid, the resolved configuration.
 */
export function validateConfig(input: unknown, options: ValidateOptions = {}): ValidationResult {
  const layers: ConfigLayer[] = [];
  const profile = options.profile ?? 'none';
  if (profile !== 'none') {
    if (!isProfileName(profile)) {
      return {
        valid: false,
        config: undefined,
        errors: [
          {
            path: '',
            message: `unknown profile ${JSON.stringify(profile)}; use development, test, production or none`,
            value: profile,
          },
        ],
        warnings: [],
      };
    }
    layers.push({ source: `profile ${profile}`, data: PROFILES[profile] });
  }
  layers.push({ source: 'input', data: input });
  return resolveLayers(layers, options);
}
