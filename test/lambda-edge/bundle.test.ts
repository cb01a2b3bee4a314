import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildEdgeBundle } from '../../scripts/edge-bundle.mjs';
import type { OriginResponseHandler } from '../../src/adapters/lambda-edge/handler.js';
import type { OriginResponseEvent } from '../../src/adapters/lambda-edge/types.js';
import { ACTIVE_CONTENT_CSP, type PassthroughReason, TRANSIENT_REASONS } from '../../src/core/respond.js';
import { decodeBody, header, violations } from '../helpers/cloudfront-contract.js';
import { makeCorpus } from '../helpers/corpus.js';
import { S3RVER_CREDENTIALS, type S3Server, startS3 } from '../helpers/s3.js';

// The built bundle (dist/lambda-edge/index.mjs, as deployed) replayed with the committed CloudFront
// event fixtures: against a folder through its exported createHandler/folderOrigin, and through its
// default `handler` (SigV4 S3 reads) against s3rver on loopback.
const FIXTURES = path.resolve('test/fixtures/events');
const root = path.resolve('.');

type Expectation =
  | { reason: string }
  | { width: number; height: number; format: string; vary?: string | null };

const EXPECTED: Record<string, Expectation> = {
  'no-parameters': { reason: 'no-parameters' },
  'unknown-parameters': { reason: 'no-parameters' },
  cover: { width: 500, height: 300, format: 'jpeg' },
  contain: { width: 500, height: 500, format: 'jpeg' },
  fill: { width: 500, height: 100, format: 'jpeg' },
  inside: { width: 500, height: 333, format: 'jpeg' },
  outside: { width: 750, height: 500, format: 'jpeg' },
  'width-only': { width: 300, height: 200, format: 'jpeg' },
  'height-only': { width: 150, height: 100, format: 'jpeg' },
  'encoded-key': { width: 120, height: 80, format: 'jpeg' },
  'origin-path-prefix': { width: 120, height: 80, format: 'jpeg' },
  'legacy-domain-oac': { width: 200, height: 133, format: 'jpeg' },
  'regional-domain-oai': { width: 200, height: 133, format: 'jpeg' },
  upscale: { reason: 'upscale' },
  zero: { reason: 'invalid-parameter' },
  negative: { reason: 'invalid-parameter' },
  fractional: { reason: 'invalid-parameter' },
  'non-numeric': { reason: 'invalid-parameter' },
  'repeated-different': { reason: 'invalid-parameter' },
  svg: { reason: 'unsupported-input' },
  gif: { reason: 'unsupported-input' },
  'static-gif': { width: 30, height: 20, format: 'png' },
  'unknown-bytes': { reason: 'unsupported-input' },
  corrupt: { reason: 'corrupt-input' },
  'cmyk-jpeg': { width: 30, height: 20, format: 'jpeg' },
  'pixel-bomb': { reason: 'too-many-pixels' },
  'declared-too-large': { reason: 'input-too-large' },
  'auto-chrome': { width: 200, height: 133, format: 'webp' },
  'no-format-safari': { width: 200, height: 133, format: 'webp' },
  'no-format-curl': { width: 200, height: 133, format: 'jpeg' },
  'png-input': { width: 200, height: 133, format: 'png' },
  'webp-input': { width: 200, height: 133, format: 'webp' },
  'explicit-png': { width: 200, height: 133, format: 'png', vary: null },
  'avif-disabled': { reason: 'format-disabled' },
  'origin-304': { reason: 'origin-status' },
  'origin-403': { reason: 'origin-status' },
  'origin-404': { reason: 'origin-status' },
  'origin-500': { reason: 'origin-status' },
  'vanished-object': { reason: 'origin-missing' },
  'dot-segments': { reason: 'invalid-key' },
  'encoded-dot-segments': { reason: 'invalid-key' },
  'encoded-slashes': { reason: 'invalid-key' },
  'malformed-escape': { reason: 'invalid-key' },
  'cors-vary': { width: 200, height: 133, format: 'jpeg', vary: 'Origin, Accept' },
};

const fixtureNames = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .map((name) => name.slice(0, -5))
  .sort();

function loadEvent(name: string): OriginResponseEvent {
  return JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'));
}

let corpus: string;
let s3: S3Server;
// The deployed handler writes one JSON line per request to stdout (CloudWatch); collect them here.
const logLines: string[] = [];
const handlers: Record<string, OriginResponseHandler> = {};

beforeAll(async () => {
  corpus = await makeCorpus();
  s3 = await startS3('photos', corpus);
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  });
  const deployed = await import(path.join(root, 'dist/lambda-edge/index.mjs'));
  handlers.folder = deployed.createHandler({
    config: deployed.config,
    origin: deployed.folderOrigin(corpus),
  });
  // The same bundle built with an S3-compatible endpoint baked in: its default handler reads over SigV4.
  const outfile = path.join(mkdtempSync(path.join(tmpdir(), 'edge-resizer-bundle-')), 'index.mjs');
  await buildEdgeBundle({ root, outfile, config: { s3Endpoint: s3.endpoint } });
  handlers.s3rver = (await import(outfile)).handler;
  vi.spyOn(console, 'log').mockImplementation((line: string) => {
    logLines.push(line);
  });
}, 120_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await s3?.close();
});

describe('the deployed handler logs one JSON line per request', () => {
  test('with outcome, reason or output, and time', async () => {
    logLines.length = 0;
    await (handlers.s3rver as OriginResponseHandler)(loadEvent('cover'));
    await (handlers.s3rver as OriginResponseHandler)(loadEvent('upscale'));
    const [resizedLine, passthroughLine] = logLines.map((line) => JSON.parse(line));
    expect(resizedLine).toMatchObject({
      source: 'edge-resizer',
      key: 'photo.jpg',
      query: 'width=500&height=300',
      outcome: 'resized',
      format: 'jpeg',
      width: 500,
      height: 300,
    });
    expect(resizedLine.timings).toMatchObject({ fetch: expect.any(Number), decode: expect.any(Number) });
    expect(passthroughLine).toMatchObject({
      outcome: 'passthrough',
      reason: 'upscale',
      detail: 'Requested 1201xauto exceeds the original 1200x800',
    });
    expect(logLines).toHaveLength(2);
  });
});

test('every fixture has an expectation', () => {
  expect(fixtureNames).toEqual(Object.keys(EXPECTED).sort());
});

describe.each(['folder', 's3rver'])('bundle against %s', (originName) => {
  test.each(fixtureNames)('%s', async (name) => {
    const event = loadEvent(name);
    const incoming = structuredClone(event.Records[0]?.cf.response) as NonNullable<
      OriginResponseEvent['Records'][0]
    >['cf']['response'];
    const result = await (handlers[originName] as OriginResponseHandler)(event);
    expect(violations(result, incoming)).toEqual([]);
    const expected = EXPECTED[name] as Expectation;
    if ('reason' in expected) {
      // The origin's response, untouched but for the reason header, for a transient reason a short
      // Cache-Control, so CloudFront does not keep the original under the resize's key, and for a
      // type that can carry script (SVG, HTML error pages, unknown) a Content-Security-Policy.
      const {
        'x-resizer-passthrough': reason,
        'cache-control': cacheControl,
        'content-security-policy': csp,
        ...rest
      } = result.headers;
      const { 'cache-control': originCacheControl, ...incomingRest } = incoming.headers;
      expect(reason).toEqual([{ key: 'X-Resizer-Passthrough', value: expected.reason }]);
      const type = incoming.headers['content-type']?.[0]?.value ?? '';
      expect(csp).toEqual(
        /^image\/(jpeg|png|webp|gif|avif)$/.test(type)
          ? undefined
          : [{ key: 'Content-Security-Policy', value: ACTIVE_CONTENT_CSP }],
      );
      expect(cacheControl).toEqual(
        TRANSIENT_REASONS.includes(expected.reason as PassthroughReason)
          ? [{ key: 'Cache-Control', value: 'public, max-age=10' }]
          : originCacheControl,
      );
      expect({ ...result, headers: rest }).toEqual({ ...incoming, headers: incomingRest });
      return;
    }
    expect([result.status, result.statusDescription, result.bodyEncoding]).toEqual(['200', 'OK', 'base64']);
    const meta = await sharp(decodeBody(result)).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([
      expected.width,
      expected.height,
      expected.format,
    ]);
    expect(header(result, 'content-type')).toBe(`image/${expected.format}`);
    expect(header(result, 'cache-control')).toBe('public, max-age=86400');
    expect(header(result, 'vary') ?? null).toBe(expected.vary === undefined ? 'Accept' : expected.vary);
    expect(header(result, 'server-timing')).toMatch(
      /^fetch;dur=[\d.]+, decode;dur=[\d.]+, resize;dur=[\d.]+, encode;dur=[\d.]+$/,
    );
    expect(header(result, 'x-content-type-options')).toBe('nosniff');
    expect(result.headers['content-length']).toBeUndefined();
    expect(result.headers['x-resizer-passthrough']).toBeUndefined();
    expect(result.headers.etag).toEqual(incoming.headers.etag); // revalidation against S3 keeps working
  });
});

describe('active content', () => {
  /** A fixture whose origin response declares `type`, as S3 does from the object's metadata. */
  function typed(name: string, type: string | undefined): OriginResponseEvent {
    const event = loadEvent(name);
    const response = event.Records[0]?.cf.response;
    if (response && type) response.headers['content-type'] = [{ key: 'Content-Type', value: type }];
    return event;
  }

  test.each([
    ['folder', 'image/svg+xml'],
    ['s3rver', 'image/svg+xml'],
    ['folder', 'text/html; charset=utf-8'],
    ['folder', undefined],
  ])('an SVG passed through from %s as %s carries the sandboxing policy', async (originName, type) => {
    const result = await (handlers[originName] as OriginResponseHandler)(typed('svg', type));
    expect(header(result, 'x-resizer-passthrough')).toBe('unsupported-input');
    expect(header(result, 'content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    );
  });

  test('a JPEG passed through carries none', async () => {
    const result = await (handlers.folder as OriginResponseHandler)(typed('upscale', 'image/jpeg'));
    expect(header(result, 'x-resizer-passthrough')).toBe('upscale');
    expect(result.headers['content-security-policy']).toBeUndefined();
  });
});

describe('edge-resizer replay prints exactly what the handler returns', () => {
  const run = promisify(execFile);
  const cli = path.join(root, 'dist/cli.js');
  const withoutTimings = (result: { headers: Record<string, unknown> }) => ({
    ...result,
    headers: { ...result.headers, 'server-timing': undefined },
  });

  test.each(['cover', 'svg', 'origin-404'])('%s from a folder and from s3rver', async (name) => {
    const expected = await (handlers.folder as OriginResponseHandler)(loadEvent(name));
    const fromFolder = await run(process.execPath, [
      cli,
      'replay',
      path.join(FIXTURES, `${name}.json`),
      '--origin',
      corpus,
      '--json',
    ]);
    expect(withoutTimings(JSON.parse(fromFolder.stdout))).toEqual(withoutTimings(expected));
    const fromS3 = await run(process.execPath, [
      cli,
      'replay',
      path.join(FIXTURES, `${name}.json`),
      '--origin',
      's3://photos',
      '--s3-endpoint',
      s3.endpoint,
      '--json',
    ]);
    expect(withoutTimings(JSON.parse(fromS3.stdout))).toEqual(withoutTimings(expected));
  });

  test('a file that is not an event gives one line and exit 1', async () => {
    const error = await run(process.execPath, [
      cli,
      'replay',
      path.join(root, 'package.json'),
      '--origin',
      corpus,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({
      code: 1,
      stderr: `edge-resizer: ${path.join(root, 'package.json')} is not a CloudFront origin-response event\n`,
    });
  });
});
