/**
 * The docs say what a recorded run measured, and their examples run as written: the package sizes
 * and bench figures quoted in the README and docs/ are compared with the files they come from
 * (bench/results/*.json, themselves checked against today's build), and docs/lambda-edge.md's
 * replay commands are run.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { corePathFiles, packageFiles, zippedPackageSize } from '../scripts/edge-bundle.mjs';

const run = promisify(execFile);
const readme = readFileSync('README.md', 'utf8').replace(/\s+/g, ' ');
const lambdaEdge = readFileSync('docs/lambda-edge.md', 'utf8');
const realPhotos = JSON.parse(readFileSync('bench/results/real-photos.json', 'utf8'));
const avifTime = JSON.parse(readFileSync('bench/results/avif-time.json', 'utf8'));

/** `1,789` -> 1789; `0.88` -> 0.88. */
const number = (text: string | undefined) => Number((text ?? 'NaN').replace(/,/g, ''));

/** The numbers a pattern captures in a text, or a failure naming the sentence the test looks for. */
function quoted(text: string, pattern: RegExp): number[] {
  const match = pattern.exec(text);
  if (!match) throw new Error(`no sentence matching ${pattern} (reworded? update this test with it)`);
  return match.slice(1).map(number);
}

/** A quoted figure agrees with a recorded one when it is that value rounded to its own decimals. */
function agrees(quotedText: number, recorded: number, decimals: number): void {
  expect(Math.abs(quotedText - recorded)).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-9);
}

describe('package sizes', () => {
  const kib = (bytes: number) => bytes / 1024;

  test('docs/lambda-edge.md quotes the recorded sizes', () => {
    const [whole, corePath] = quoted(
      lambdaEdge.replace(/\s+/g, ' '),
      /zipped package size: ([\d,]+) KiB with AVIF, of which ([\d,]+) KiB is what JPEG, PNG and WebP requests use/,
    );
    agrees(whole as number, kib(realPhotos.bundleZipped), 0);
    agrees(corePath as number, kib(realPhotos.indexZipped), 0);
  });

  test('and the recorded sizes are the current build within 1% (rebuild and re-record when they drift)', () => {
    const files = packageFiles(path.resolve('dist/lambda-edge'));
    expect(Math.abs(zippedPackageSize(files) / realPhotos.bundleZipped - 1)).toBeLessThan(0.01);
    expect(Math.abs(zippedPackageSize(corePathFiles(files)) / realPhotos.indexZipped - 1)).toBeLessThan(0.01);
  });
});

describe('bench figures', () => {
  test("the README's real-photo ratios are the recorded run's summary", () => {
    const [warm, first, cold, rss] = quoted(
      readme,
      /On ten real photos \(Debian's wallpapers\): warm ([\d.]+)x, first call ([\d.]+)x \([^)]*\), cold start ([\d.]+)x, peak memory ([\d.]+)x/,
    );
    const summary = realPhotos.summary['edge-resizer'];
    expect(realPhotos.results).toHaveLength(10);
    agrees(warm as number, summary.warm, 2);
    agrees(first as number, summary.first, 2);
    agrees(cold as number, summary.cold, 2);
    agrees(rss as number, summary.rss, 2);
  });

  test("the README's AVIF time is the recorded AVIF run", () => {
    const [avif, encode, webp, ratio, load] = quoted(
      readme,
      /- \*\*Time\*\*: \w+ 2560x1600 photos \(Debian's wallpapers\) to 800 px at the default quality took a median ([\d,]+) ms warm, ([\d,]+) ms of it encoding, against ([\d,]+) ms for WebP \(([\d.]+)x\), on this project's shared 2-vCPU machine at a load average of ([\d.]+)/,
    );
    expect(readme).toContain(
      `- **Time**: ${['', '', '', 'three', 'four', 'five', 'six'][avifTime.photos.length]} 2560x1600`,
    );
    const { summary, spec } = avifTime;
    expect([spec.width, spec.quality]).toEqual([800, 'default (80)']);
    agrees(avif as number, summary.avifWarmMedianMs, 0);
    agrees(encode as number, summary.avifEncodeMedianMs, 0);
    agrees(webp as number, summary.webpWarmMedianMs, 0);
    agrees(ratio as number, summary.avifWarmMedianMs / summary.webpWarmMedianMs, 1);
    agrees(load as number, avifTime.loadAverage[0], 0);
    for (const photo of avifTime.photos) expect(photo.avif.output).toBe('800x500');
  });
});

describe("docs/lambda-edge.md's replay examples run as written", () => {
  const commands = [...lambdaEdge.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => (m[1] as string).split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('npx edge-resizer replay') && !line.includes('s3://'));

  test('there are folder-origin examples to run', () => {
    expect(commands.length).toBeGreaterThanOrEqual(2);
  });

  test.each(commands)('%s', async (line) => {
    const args = line.split(/\s+/).slice(2);
    const { stdout } = await run(process.execPath, ['dist/cli.js', ...args]);
    if (line.includes('--json')) {
      const result = JSON.parse(stdout);
      expect(result.status).toBe('200');
      expect(result.headers['x-resizer-passthrough']).toBeUndefined();
      expect(result.headers['content-type'][0].value).toBe('image/jpeg');
    } else {
      // The output the page shows under the command, exactly.
      const shown = lambdaEdge.split('\n')[lambdaEdge.split('\n').indexOf(line) + 1];
      expect(`# ${stdout.trim()}`).toBe(shown);
    }
  });
});
