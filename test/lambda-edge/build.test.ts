import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import {
  buildEdgeBundle,
  corePathFiles,
  packageFiles,
  zippedPackageSize,
} from '../../scripts/edge-bundle.mjs';
import ACCEPT from '../fixtures/accept-headers.json' with { type: 'json' };
import { makeCorpus } from '../helpers/corpus.js';
import { originResponseEvent } from '../helpers/events.js';

const BUNDLE = path.resolve('dist/lambda-edge/index.mjs');
const ONE_MIB = 1024 * 1024;

test('the zipped package stays within 2 MB with AVIF, its JPEG/PNG/WebP path within 512 KiB', () => {
  const files = packageFiles(path.dirname(BUNDLE));
  expect(files.map((file) => file.name)).toEqual([
    'index.mjs',
    'avif-decode.wasm',
    'avif-encode.wasm',
    'colour.wasm',
    'gif-decode.wasm',
    'jpeg-decode.wasm',
    'jpeg-encode.wasm',
    'png.wasm',
    'resize.wasm',
    'webp-decode.wasm',
    'webp-encode.wasm',
  ]);
  expect(zippedPackageSize(files)).toBeLessThanOrEqual(2_000_000);
  expect(zippedPackageSize(corePathFiles(files))).toBeLessThanOrEqual(ONE_MIB / 2);
});

test('the package is self-contained: it loads from a folder with no node_modules, side files read on use', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-lonely-'));
  for (const { name } of packageFiles(path.dirname(BUNDLE)))
    copyFileSync(path.join(path.dirname(BUNDLE), name), path.join(dir, name));
  const lonely = path.join(dir, 'index.mjs');
  const bundle = await import(lonely);
  const corpus = await makeCorpus();
  const handler = bundle.createHandler({ config: bundle.config, origin: bundle.folderOrigin(corpus) });
  const cmyk = await handler(originResponseEvent({ uri: '/cmyk.jpg', querystring: 'width=30' }));
  expect([cmyk.status, cmyk.headers['content-type']?.[0]?.value]).toEqual(['200', 'image/jpeg']);
  const gif = await handler(originResponseEvent({ uri: '/still.gif', querystring: 'width=30' }));
  expect([gif.status, gif.headers['content-type']?.[0]?.value]).toEqual(['200', 'image/png']);
  expect(typeof bundle.handler).toBe('function');
  // Node.js 24 runtimes drop callback handlers: an async function of at most 2 parameters.
  expect(bundle.handler.length).toBeLessThanOrEqual(2);
  expect(bundle.handler.constructor.name).toBe('AsyncFunction');
  expect(readFileSync(BUNDLE, 'utf8')).not.toMatch(/process\.env\.(?!AWS_)/); // configuration is baked, not read
});

test('configuration is baked in at build time', async () => {
  const outfile = path.join(mkdtempSync(path.join(tmpdir(), 'edge-resizer-config-')), 'index.mjs');
  await buildEdgeBundle({
    root: path.resolve('.'),
    outfile,
    config: { formats: { webp: false }, cacheControl: 'public, max-age=60', defaultQuality: 50 },
  });
  const bundle = await import(outfile);
  expect(bundle.config).toMatchObject({
    formats: { webp: false, avif: false },
    cacheControl: 'public, max-age=60',
    defaultQuality: 50,
  });
  const corpus = await makeCorpus();
  const handler = bundle.createHandler({ config: bundle.config, origin: bundle.folderOrigin(corpus) });
  const result = await handler(
    originResponseEvent({ uri: '/photo.jpg', querystring: 'width=200', accept: ACCEPT.chrome }),
  );
  expect(result.headers['content-type']).toEqual([{ key: 'Content-Type', value: 'image/jpeg' }]);
  expect(result.headers['cache-control']).toEqual([{ key: 'Cache-Control', value: 'public, max-age=60' }]);
});

test('a bad baked configuration fails when the bundle loads, naming the field', async () => {
  const outfile = path.join(mkdtempSync(path.join(tmpdir(), 'edge-resizer-badconfig-')), 'index.mjs');
  await buildEdgeBundle({ root: path.resolve('.'), outfile, config: { defaultQuality: 101 } });
  await expect(import(outfile)).rejects.toThrow(
    'expected an integer between 1 and 100 for defaultQuality but received 101',
  );
});

test.each([
  ['{"alowedWidths":[320]}', 'build: Invalid configuration: unknown field alowedWidths'],
  ['{"formats":{"avif":1}}', 'build: Invalid configuration: expected true or false for formats.avif'],
  ['{"signing":{"required":1}}', 'build: Invalid configuration: expected true or false for signing.required'],
  ['{', 'is not valid JSON'],
])(
  'npm run build with %s: one line naming the field, exit 2, nothing deployable left',
  async (text, message) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-badbuild-'));
    writeFileSync(path.join(dir, 'config.json'), text);
    const outdir = path.join(dir, 'out');
    const failed = await promisify(execFile)(process.execPath, [
      'scripts/build.mjs',
      '--config',
      path.join(dir, 'config.json'),
      '--outdir',
      outdir,
    ]).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
    const stderr = (failed as { stderr: string }).stderr.trim();
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toContain(message);
    expect(existsSync(path.join(outdir, 'lambda-edge', 'index.mjs'))).toBe(false);
    expect(existsSync(path.join(outdir, 'build-config.json'))).toBe(false);
  },
);
