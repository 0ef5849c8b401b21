#!/usr/bin/env node
/**
 * Runs `changeset version` on a scratch copy of the repository and checks the outcome:
 * - no published package crosses to 1.0.0 (or any new major) unless a changeset asks
 *   for a major bump of that very package;
 * - private packages (bench, example, scripts, test-suite) are left byte for byte as
 *   they were.
 * Prints the versions it would produce. Exit 1 on a violation.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { manifestPaths, ROOT } from './workspace.mjs';

const major = (version) => Number(version.split('.')[0]);

/** Packages that some pending changeset bumps with `major`. */
function requestedMajors(root) {
  const dir = join(root, '.changeset');
  const names = new Set();
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.md') || file === 'README.md') continue;
    const front = readFileSync(join(dir, file), 'utf8').split('---')[1] ?? '';
    for (const line of front.split('\n')) {
      const match = /^\s*["']?([^"':]+)["']?\s*:\s*major\s*$/.exec(line);
      if (match) names.add(match[1]);
    }
  }
  return names;
}

const scratch = mkdtempSync(join(tmpdir(), 'cachestack-version-'));
try {
  const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const file of tracked) {
    try {
      cpSync(join(ROOT, file), join(scratch, file), { recursive: false });
    } catch {
      // deleted in the work tree but still tracked: nothing to copy
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));

  const before = new Map(
    manifestPaths(scratch).map((file) => [relative(scratch, file), readFileSync(file, 'utf8')]),
  );
  const majors = requestedMajors(scratch);
  execFileSync(join(ROOT, 'node_modules/.bin/changeset'), ['version'], {
    cwd: scratch,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const problems = [];
  const rows = [];
  for (const [file, text] of before) {
    const old = JSON.parse(text);
    const now = readFileSync(join(scratch, file), 'utf8');
    if (old.private === true) {
      if (now !== text) problems.push(`${file}: a private manifest was rewritten`);
      continue;
    }
    if (!file.startsWith('packages/')) continue;
    const next = JSON.parse(now);
    rows.push([old.name, old.version, next.version]);
    if (major(next.version) > major(old.version) && !majors.has(old.name)) {
      problems.push(
        `${old.name}: ${old.version} -> ${next.version} although no changeset asks for a major (${relative(ROOT, join(ROOT, dirname(file)))})`,
      );
    }
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`${'package'.padEnd(width)}  now      after changeset version`);
  for (const [name, from, to] of rows) {
    console.log(
      `${name.padEnd(width)}  ${from.padEnd(7)}  ${to}${from === to ? '' : '  (bumped)'}`,
    );
  }
  if (problems.length > 0) {
    console.error(`\nversioning check failed:\n- ${problems.join('\n- ')}`);
    process.exit(1);
  }
  console.log('versioning check passed: no unrequested major, private packages untouched');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
