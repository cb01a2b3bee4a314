import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { advisoriesFor, bundledPackages, packageFolder } from '../scripts/audit-bundles.mjs';
import { buildEdgeBundle } from '../scripts/edge-bundle.mjs';
import { buildWorker } from '../scripts/workers-bundle.mjs';

// npm run audit:bundles: which npm packages each bundle carries (from esbuild's metafiles), checked
// against npm's advisories. Offline: the listing is checked against fresh builds, and npm itself is
// replaced by a stand-in that prints a recorded `npm audit --json` report.

const root = path.resolve('.');
const run = promisify(execFile);
const installed = (name: string) =>
  JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version as string;

describe('the packages in each bundle', () => {
  test.each([
    ['node_modules/aws4fetch/dist/aws4fetch.esm.mjs', 'node_modules/aws4fetch'],
    ['node_modules/@scope/pkg/lib/x.js', 'node_modules/@scope/pkg'],
    ['node_modules/a/node_modules/@s/b/index.js', 'node_modules/a/node_modules/@s/b'],
    ['src/core/probe.ts', undefined],
    ['wasm/png-decode.wasm', undefined],
  ])('%s belongs to %s', (input, folder) => {
    expect(packageFolder(input)).toBe(folder);
  });

  test('Lambda@Edge carries aws4fetch, the Worker nothing from npm; the build records the same', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-audit-'));
    const edge = await buildEdgeBundle({ root, outfile: path.join(dir, 'edge', 'index.mjs') });
    const worker = await buildWorker({ root, outdir: path.join(dir, 'workers') });
    const expected = [{ name: 'aws4fetch', version: installed('aws4fetch') }];
    expect(bundledPackages(edge.metafile, root)).toEqual(expected);
    expect(bundledPackages(worker.metafile, root)).toEqual([]);
    const recorded = JSON.parse(readFileSync(path.join(root, 'dist/bundled-packages.json'), 'utf8'));
    expect(recorded).toEqual({ 'lambda-edge': expected, library: expected, workers: [] });
  }, 60_000);
});

const report = (names: string[]) => ({
  auditReportVersion: 2,
  vulnerabilities: Object.fromEntries(
    names.map((name) => [
      name,
      {
        name,
        severity: 'high',
        range: '<9.9.9',
        via: [{ title: `${name} is broken`, url: `https://github.com/advisories/GHSA-${name}` }],
      },
    ]),
  ),
});

describe('advisories', () => {
  test('only the bundled packages count: a dev tool with an advisory is not in a bundle', () => {
    expect(advisoriesFor(report(['vitest', 'aws4fetch']), ['aws4fetch'])).toEqual([
      {
        name: 'aws4fetch',
        severity: 'high',
        range: '<9.9.9',
        via: ['aws4fetch is broken (https://github.com/advisories/GHSA-aws4fetch)'],
      },
    ]);
    expect(advisoriesFor(report(['vitest']), ['aws4fetch'])).toEqual([]);
  });

  /** The script with `npm` on PATH replaced by one that prints `output`. */
  async function audit(output: string) {
    const bin = mkdtempSync(path.join(tmpdir(), 'edge-resizer-fake-npm-'));
    writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\ncat <<'JSON'\n${output}\nJSON\nexit 1\n`);
    chmodSync(path.join(bin, 'npm'), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    return run(process.execPath, ['scripts/audit-bundles.mjs'], { cwd: root, env }).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
  }

  test.each([
    [['vitest', 'esbuild'], 0, /^0 bundled package\(s\) with known vulnerabilities, of 1 bundled$/m],
    [['aws4fetch', 'vitest'], 1, /^high: aws4fetch <9\.9\.9: aws4fetch is broken/m],
  ])('npm reporting %j: exit %i', async (names, code, line) => {
    const result = await audit(JSON.stringify(report(names)));
    expect(result.code).toBe(code);
    expect(result.stdout).toMatch(/^lambda-edge: aws4fetch@[\d.]+$/m);
    expect(result.stdout).toMatch(line);
  });

  test('npm unable to answer: one line, exit 2', async () => {
    const result = await audit(
      '{"message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk"}',
    );
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'audit:bundles: npm audit could not answer: 405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
    );
  });
});
