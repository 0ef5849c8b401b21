export type {
  ChannelHandler,
  ChannelHandlerContext,
  ChannelHandlerFactory,
} from './channel-handler-kit.js';
export { defaultChannelHandlers } from './channel-handlers.js';
export { createHealthMonitor } from './health-monitor.js';
export type {
  HealthMonitor,
  HealthMonitorEventMap,
  HealthMonitorListener,
  HealthMonitorOptions,
  HeapReading,
  MemoryPressure,
  SlowOperation,
} from './health-monitor-types.js';
export {
  defaultHealthThresholds,
  defaultHealthWeights,
  type HealthThresholds,
  type HealthWeights,
  resolveThresholds,
  resolveWeights,
} from './health-options.js';
export {
  type HealthIssue,
  type HealthReport,
  type HealthSignalName,
  type HealthSignals,
  type HealthStatus,
  type HealthWindow,
  type PendingSignal,
  type SignalScore,
  scoreHealth,
} from './health-score.js';
export {
  type InstrumentableCache,
  type Instrumentation,
  type InstrumentOptions,
  instrument,
} from './instrument.js';
export { type InstrumentChannelsOptions, instrumentChannels } from './instrument-channels.js';
export {
  type DurationRecorder,
  durationBucketsSeconds,
  durationHistogram,
  instrumentSpecs,
  type MetricKey,
} from './instrument-specs.js';
export { channelNames, legacyMetricNames, metricNames } from './names.js';
export { spanNames, type TraceableCache, type TracingOptions } from './tracing.js';
export type { TrendDirection, Trends } from './trends.js';
