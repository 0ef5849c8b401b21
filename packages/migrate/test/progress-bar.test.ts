import { describe, expect, it } from 'vitest';
import { createProgressBar, formatDuration, type MigrationProgress } from '../src/index.js';

function progress(scanned: number, total: number | undefined): MigrationProgress {
  return {
    counts: {
      scanned,
      migrated: scanned,
      wouldMigrate: 0,
      skippedExisting: 0,
      skippedChanged: 0,
      expired: 0,
      failed: 0,
      unmapped: 0,
      legacyDeleted: 0,
      verifyMismatches: 0,
      batches: 1,
    },
    total,
    elapsedMs: 1000,
    rate: 2500,
    etaMs: total === undefined ? undefined : ((total - scanned) / 2500) * 1000,
  };
}

describe('progress bar', () => {
  it('redraws one line in place on a TTY, with percentage, rate and ETA', () => {
    let out = '';
    const bar = createProgressBar({
      stream: { write: (s: string) => (out += s) },
      tty: true,
      width: 10,
    });
    bar.update(progress(2500, 10_000));
    expect(out).toContain('\r');
    expect(out).toContain('[###-------]  25%');
    expect(out).toContain('2500/10000');
    expect(out).toContain('2500 keys/s');
    expect(out).toContain('ETA 3s');
    bar.finish(progress(10_000, 10_000));
    expect(out.endsWith('\n')).toBe(true);
  });

  it('prints plain lines at most once per interval when not a TTY', () => {
    let t = 0;
    const lines: string[] = [];
    const bar = createProgressBar({
      stream: { write: (s: string) => lines.push(s) },
      intervalMs: 1000,
      now: () => t,
    });
    bar.update(progress(1, 100));
    t = 500;
    bar.update(progress(2, 100));
    t = 1000;
    bar.update(progress(3, 100));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(
      'cachestack-migrate 3% | 3/100 | 2500 keys/s | ETA 0s | migrated 3 | skipped 0 | failed 0\n',
    );
    bar.update(progress(4, undefined));
    expect(lines).toHaveLength(2);
  });

  it('formats durations', () => {
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(185_000)).toBe('3m05s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
  });
});
