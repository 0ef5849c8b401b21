export {
  type AlgorithmName,
  algorithmNames,
  availableAlgorithms,
  codecIds,
  isAlgorithmAvailable,
} from './algorithms.js';
export { type CompressionCodec, compression } from './compression-codec.js';
export {
  CompressionError,
  CompressionUnavailableError,
  DecompressionLimitError,
} from './errors.js';
export type { AlgorithmChoice, CompressionOptions } from './options.js';
export {
  type AlgorithmStats,
  type CompressionPath,
  type CompressionStats,
  compressionChannels,
  type DecodeMessage,
  type EncodeMessage,
  type ErrorMessage,
  type SkipMessage,
  type SkipReason,
} from './stats.js';
