import type { MigrationProgress } from './migrator.js';

/** Options of {@link createProgressBar}. */
export interface ProgressBarOptions {
  /** Where to draw (stderr in the CLI). */
  readonly stream: { write(chunk: string): unknown };
  /** Redraw one line in place (`\r`) instead of printing lines. @defaultValue false */
  readonly tty?: boolean | undefined;
  /** Least time between two outputs, in ms (0: every batch). @defaultValue 100 on a TTY, 1000 otherwise */
  readonly intervalMs?: number | undefined;
  /** Width of the bar in characters. @defaultValue 24 */
  readonly width?: number | undefined;
  /** Clock. @defaultValue Date.now */
  readonly now?: (() => number) | undefined;
}

/** A progress display fed with {@link MigrationProgress} snapshots. */
export interface ProgressBar {
  /** Draws when the interval has passed since the last output. */
  update(progress: MigrationProgress): void;
  /** Draws the final state and ends the line. */
  finish(progress: MigrationProgress): void;
}

/** `1h02m`, `3m05s`, `42s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line describing the progress; `bar` adds a drawn bar. */
export function formatProgress(p: MigrationProgress, bar?: { width: number }): string {
  const c = p.counts;
  const done = c.scanned;
  const parts: string[] = [];
  if (p.total !== undefined && p.total > 0) {
    const ratio = Math.min(1, done / p.total);
    const pct = `${Math.floor(ratio * 100)}%`.padStart(4);
    if (bar) {
      const filled = Math.round(ratio * bar.width);
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(bar.width - filled)}] ${pct}`);
    } else parts.push(pct.trim());
    parts.push(`${done}/${p.total}`);
  } else parts.push(`${done} scanned`);
  parts.push(`${Math.round(p.rate)} keys/s`);
  parts.push(`ETA ${p.etaMs === undefined ? '?' : formatDuration(p.etaMs)}`);
  parts.push(`migrated ${c.migrated + c.wouldMigrate}`);
  parts.push(`skipped ${c.skippedExisting + c.skippedChanged + c.expired + c.unmapped}`);
  parts.push(`failed ${c.failed}`);
  return `cachestack-migrate ${parts.join(' | ')}`;
}

/**
 * A progress bar with rate and ETA: redrawn in place on a TTY, plain lines (at most one
 * per `intervalMs`) otherwise, so logs of a non-interactive run stay readable.
 */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const tty = options.tty === true;
  const intervalMs = options.intervalMs ?? (tty ? 100 : 1000);
  const width = options.width ?? 24;
  const now = options.now ?? Date.now;
  let last = Number.NEGATIVE_INFINITY;
  const draw = (p: MigrationProgress, final: boolean) => {
    const line = formatProgress(p, tty ? { width } : undefined);
    options.stream.write(tty ? `\r\x1b[2K${line}${final ? '\n' : ''}` : `${line}\n`);
  };
  return {
    update(progress) {
      const t = now();
      if (t - last < intervalMs) return;
      last = t;
      draw(progress, false);
    },
    finish(progress) {
      draw(progress, true);
    },
  };
}
