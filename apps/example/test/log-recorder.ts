import type { Logger } from '@cachestack/core';

/** One recorded log line: its level, message and fields. */
export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly obj: Record<string, unknown>;
}

/** A pino-shaped logger that records every line (children log into the same list). */
export function logRecorder(): { lines: LogLine[]; logger: Logger } {
  const lines: LogLine[] = [];
  const log = (level: string) => (obj: object | string, msg?: string) =>
    lines.push(
      typeof obj === 'string'
        ? { level, msg: obj, obj: {} }
        : { level, msg: msg ?? '', obj: obj as Record<string, unknown> },
    );
  const logger: Logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  return { lines, logger };
}
