import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type EnvSource, readEnv } from './env.js';
import { ConfigFileError, ConfigValidationError } from './errors.js';
import { mergeData } from './merge.js';
import { isProfileName, PROFILES, type ProfileName } from './profiles.js';
import type {
  CacheStackConfig,
  CacheStackConfigInput,
  ConfigIssue,
  ConfigWarning,
} from './types.js';
import {
  type ConfigLayer,
  resolveLayers,
  type UnknownKeysMode,
  type ValidationResult,
} from './validate.js';

/** Options of {@link loadConfig} and `watchConfig`. */
export interface LoadConfigOptions {
  /** JSON file to read; omitted means no file layer. */
  readonly file?: string;
  /**
   * Environment to read `CACHESTACK__*` overrides and `NODE_ENV` from; `false` reads none.
   * @defaultValue process.env
   */
  readonly env?: EnvSource | false;
  /**
   * Profile to layer under the file: a name, `none`, or omitted to follow `NODE_ENV`
   * (`production`, `test`, `development`; unset means `development`; any other value
   * means no profile, with a warning).
   */
  readonly profile?: ProfileName | 'none';
  /** Apply the documented corrections, each reported as a warning. @defaultValue false */
  readonly autoCorrect?: boolean;
  /** Treatment of unknown keys and unknown `CACHESTACK__*` variables. @defaultValue 'error' */
  readonly unknownKeys?: UnknownKeysMode;
  /** Explicit values with the highest precedence (above the environment). */
  readonly overrides?: CacheStackConfigInput;
}

/** A loaded configuration. */
export interface LoadedConfig {
  /** The resolved configuration, deeply frozen. */
  readonly config: CacheStackConfig;
  /** Corrections applied and keys ignored. */
  readonly warnings: readonly ConfigWarning[];
  /** The profile applied, or `none`. */
  readonly profile: ProfileName | 'none';
}

/** Parses file text; malformed JSON becomes an issue with its line and column. */
export function parseConfigText(
  text: string,
  file: string,
): { data?: unknown; issue?: ConfigIssue } {
  try {
    return { data: JSON.parse(text.replace(/^\uFEFF/, '')) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(detail);
    let where = '';
    if (position) {
      const before = text.slice(0, Number(position[1]));
      const line = before.split('\n').length;
      const column = before.length - before.lastIndexOf('\n');
      where = ` at line ${line}, column ${column}`;
    }
    return {
      issue: {
        path: '',
        message: `${file} is not valid JSON${where}: ${detail}`,
        value: undefined,
      },
    };
  }
}

function chooseProfile(
  options: LoadConfigOptions,
  env: EnvSource,
): { profile: ProfileName | 'none'; warning?: ConfigWarning; issue?: ConfigIssue } {
  if (options.profile !== undefined) {
    if (options.profile === 'none' || isProfileName(options.profile))
      return { profile: options.profile };
    return {
      profile: 'none',
      issue: {
        path: '',
        message: `unknown profile ${JSON.stringify(options.profile)}; use development, test, production or none`,
        value: options.profile,
      },
    };
  }
  const nodeEnv = env.NODE_ENV;
  if (nodeEnv === undefined || nodeEnv === '') return { profile: 'development' };
  if (isProfileName(nodeEnv)) return { profile: nodeEnv };
  return {
    profile: 'none',
    warning: {
      path: '',
      message: `NODE_ENV=${nodeEnv} names no profile; using the schema defaults only`,
      before: nodeEnv,
      after: 'none',
      rule: 'profile',
    },
  };
}

/** Resolves the layers given the file's text (or a read failure). Shared by load and watch. */
export function resolveFromText(
  options: LoadConfigOptions,
  text: string | undefined,
): ValidationResult & { profile: ProfileName | 'none' } {
  const env = options.env === false ? {} : (options.env ?? process.env);
  const chosen = chooseProfile(options, env);
  const errors: ConfigIssue[] = chosen.issue ? [chosen.issue] : [];
  const warnings: ConfigWarning[] = chosen.warning ? [chosen.warning] : [];
  const layers: ConfigLayer[] = [];
  if (chosen.profile !== 'none')
    layers.push({ source: `profile ${chosen.profile}`, data: PROFILES[chosen.profile] });
  if (options.file !== undefined && text !== undefined) {
    const parsed = parseConfigText(text, options.file);
    if (parsed.issue) errors.push(parsed.issue);
    else layers.push({ source: `file ${options.file}`, data: parsed.data });
  }
  // Namespace names in variables match names already present below them.
  const below = layers.reduce<unknown>((acc, l) => mergeData(acc, l.data), {});
  const fromEnv = readEnv(env, below);
  errors.push(...fromEnv.errors);
  layers.push({ source: 'environment', data: fromEnv.data });
  if (options.overrides !== undefined)
    layers.push({ source: 'overrides', data: options.overrides });
  const result = resolveLayers(layers, options, { errors, warnings, unknown: fromEnv.unknown });
  return { ...result, profile: chosen.profile };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError(file, `cannot read: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads a file asynchronously, with the same error as {@link loadConfig}. */
export async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError(file, `cannot read: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Loads the configuration: schema defaults < profile < file < environment < overrides.
 * @throws ConfigFileError when the file cannot be read.
 * @throws ConfigValidationError listing every problem when the result is invalid
 *   (including malformed JSON).
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const text = options.file === undefined ? undefined : readText(options.file);
  const result = resolveFromText(options, text);
  if (!result.valid) {
    throw new ConfigValidationError(
      result.errors,
      result.warnings,
      options.file === undefined ? undefined : { source: options.file },
    );
  }
  return { config: result.config, warnings: result.warnings, profile: result.profile };
}
