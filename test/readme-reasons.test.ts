import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { ERROR_CODES } from '../src/core/errors.js';
import { PASSTHROUGH_REASONS, PLATFORM_REASONS } from '../src/core/respond.js';

// Every value `x-resizer-passthrough` can take is explained in the README's table of reasons, and the
// table names no reason the code cannot give: a code added without a line for users fails here.

/** The first column of the README's reason table (the table after its marker comment). */
function readmeReasons(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('<!-- passthrough reasons:');
  expect(start, 'the README marks its table of passthrough reasons').toBeGreaterThan(0);
  const lines = readme.slice(start).split('\n').slice(1);
  const first = lines.findIndex((line) => line.startsWith('|'));
  const end = lines.findIndex((line, i) => i > first && !line.startsWith('|'));
  const rows = lines.slice(first, end);
  return rows
    .map((row) => /^\|\s*`([a-z-]+)`\s*\|/.exec(row)?.[1])
    .filter((code): code is string => code !== undefined);
}

test('the README lists every passthrough reason, each once, and nothing else', () => {
  const listed = readmeReasons();
  expect(new Set(listed).size).toBe(listed.length);
  expect([...listed].sort()).toEqual([...PASSTHROUGH_REASONS].sort());
});

test('the reasons are the error codes plus the platform reasons, with no overlap', () => {
  expect(PASSTHROUGH_REASONS).toEqual([...ERROR_CODES, ...PLATFORM_REASONS]);
  expect(PLATFORM_REASONS.filter((reason) => (ERROR_CODES as readonly string[]).includes(reason))).toEqual(
    [],
  );
  // The reason the issue found missing.
  expect(readmeReasons()).toContain('no-parameters');
});

test("the Library section's list of ResizerError codes is complete", () => {
  const readme = readFileSync('README.md', 'utf8');
  const sentence = /`transform` rejects with a `ResizerError` whose `code` says why \(([^)]*)\)/.exec(
    readme,
  )?.[1];
  const codes = [...(sentence ?? '').matchAll(/`([a-z-]+)`/g)].map((m) => m[1]);
  expect([...codes].sort()).toEqual([...ERROR_CODES].sort());
});
