export { CORRECTIONS, type Correction } from './corrections.js';
export { ENV_PREFIX, type EnvSource, envName } from './env.js';
export { ConfigFileError, ConfigValidationError } from './errors.js';
export { type LoadConfigOptions, type LoadedConfig, loadConfig } from './load.js';
export { renderReference } from './options-reference.js';
export { isProfileName, PROFILES, type ProfileName } from './profiles.js';
export { configSchema, type SchemaNode } from './schema.js';
export type {
  CacheStackConfig,
  CacheStackConfigInput,
  CircuitBreakerConfig,
  CoherencyConfig,
  CompressionAlgorithm,
  CompressionConfig,
  ConfigIssue,
  ConfigWarning,
  EvictionPolicy,
  FileL2Config,
  L1Config,
  L2Config,
  L2Input,
  LockingConfig,
  MetricsConfig,
  NamespaceConfig,
  NamespaceInput,
  NamespacePriority,
  NoL2Config,
  OperationDefaults,
  PromotionConfig,
  RateLimitAlgorithm,
  RateLimitRuleConfig,
  RateLimitRuleInput,
  RedisL2Config,
  ThresholdPair,
} from './types.js';
export {
  type UnknownKeysMode,
  type ValidateOptions,
  type ValidationResult,
  validateConfig,
} from './validate.js';
export {
  type ConfigChange,
  type ConfigRejection,
  type ConfigWatcher,
  type ConfigWatcherEventMap,
  type WatchConfigOptions,
  watchConfig,
} from './watch.js';
