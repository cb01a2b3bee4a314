import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, test } from 'vitest';
import { resolveEdgeConfig } from '../../src/adapters/lambda-edge/config.js';
import { folderOrigin } from '../../src/adapters/lambda-edge/folder-origin.js';
import { createHandler } from '../../src/adapters/lambda-edge/handler.js';
import { generatedSize, resized } from '../../src/adapters/lambda-edge/result.js';
import type { CloudFrontResponse } from '../../src/adapters/lambda-edge/types.js';
import { decodeBody, GENERATED_BUDGET, header, violations } from '../helpers/cloudfront-contract.js';
import { originResponseEvent } from '../helpers/events.js';
import { scene, toBytes } from '../helpers/images.js';

// CloudFront answers 502 when a generated origin response exceeds 1 MB. A 3800 px, quality 100
// request for a 9 MB photo must never produce one: quality steps down, or the original is served.
let dir: string;
const sizes: Record<string, number> = {};

/** Grain over a scene: photographic detail that JPEG cannot squeeze, deterministic. */
async function grainyPhoto(width: number, height: number, amplitude: number): Promise<Buffer> {
  const grain = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let i = 0; i < grain.length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    grain[i] = 128 + (((state >>> 16) & 0xff) - 128) * amplitude;
  }
  const base = await scene(width, height, 7).png().toBuffer();
  return sharp(base)
    .composite([{ input: grain, raw: { width, height, channels: 3 }, blend: 'overlay' }])
    .jpeg({ quality: 95 })
    .toBuffer();
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-budget-'));
  const bytes = await grainyPhoto(5000, 3400, 0.35);
  sizes['grain.jpg'] = bytes.length;
  writeFileSync(path.join(dir, 'grain.jpg'), bytes);
}, 120_000);

describe('the 1 MB generated-response budget', () => {
  const handler = () => createHandler({ config: resolveEdgeConfig(), origin: folderOrigin(dir) });

  test('a 3800 px q100 request for a grainy 9 MB photo steps quality down and fits', async () => {
    expect(sizes['grain.jpg']).toBeGreaterThan(8_000_000);
    const event = originResponseEvent({
      uri: '/grain.jpg',
      querystring: 'width=3800&quality=100&format=jpeg',
    });
    const incoming = structuredClone(event.Records[0]?.cf.response);
    const result = await handler()(event);
    expect(violations(result, incoming as NonNullable<typeof incoming>)).toEqual([]);
    expect(result.status).toBe('200');
    const meta = await sharp(decodeBody(result)).metadata();
    expect([meta.width, meta.format]).toEqual([3800, 'jpeg']);
    expect(result.body?.length).toBeLessThan(GENERATED_BUDGET);
    expect(generatedSize(result)).toBeLessThanOrEqual(1_000_000); // body, headers and status line
    expect(header(result, 'server-timing')).toMatch(
      /^fetch;dur=[\d.]+, decode;dur=[\d.]+, resize;dur=[\d.]+, encode;dur=[\d.]+$/,
    );
  }, 120_000);

  test('when no quality fits, the original is served with the reason', async () => {
    const config = resolveEdgeConfig({ responseBudgetBytes: 20_000 });
    const event = originResponseEvent({ uri: '/grain.jpg', querystring: 'width=1000&format=jpeg' });
    const incoming = structuredClone(event.Records[0]?.cf.response);
    const result = await createHandler({ config, origin: folderOrigin(dir) })(event);
    expect(violations(result, incoming as NonNullable<typeof incoming>)).toEqual([]);
    expect(result.body).toBeUndefined();
    expect(header(result, 'x-resizer-passthrough')).toBe('output-too-large');
  }, 120_000);

  test('a lossless output over the budget is served as the original', async () => {
    const event = originResponseEvent({ uri: '/grain.jpg', querystring: 'width=2000&format=png' });
    const result = await handler()(event);
    expect(result.body).toBeUndefined();
    expect(header(result, 'x-resizer-passthrough')).toBe('output-too-large');
  }, 120_000);
});

describe('the final check counts everything CloudFront counts', () => {
  const result = (bytes: number) => ({
    data: new Uint8Array(bytes),
    format: 'jpeg' as const,
    quality: 80,
    width: 1,
    height: 1,
    negotiated: false,
    timings: { decode: 0, resize: 0, encode: 0 },
  });
  const response = () => originResponseEvent({ uri: '/a.jpg' }).Records[0]?.cf.response as CloudFrontResponse;
  const headers = { 'content-type': 'image/jpeg', 'cache-control': 'public, max-age=86400' };

  test('a body that fits alone but not with its headers is response-too-large', () => {
    const budget = 20_000;
    // 14,900 bytes are 19,868 base64 characters: under the budget alone, over it with the headers.
    expect(resized(response(), result(14_900), headers, budget)).toBeUndefined();
    const fitted = resized(response(), result(14_000), headers, budget);
    expect(fitted).toBeDefined();
    expect(generatedSize(fitted as CloudFrontResponse)).toBeLessThanOrEqual(budget);
    expect(generatedSize(fitted as CloudFrontResponse)).toBeGreaterThan(18_667 + 200); // headers counted
  });

  test('through the handler: a generated response over the budget is served as the original', async () => {
    // The origin's own headers already fill most of a small budget, so the encoder's byte budget
    // (from an estimate of the headers) fits an image whose response does not.
    const config = resolveEdgeConfig({ responseBudgetBytes: 10_000 });
    const event = originResponseEvent({
      uri: '/grain.jpg',
      querystring: 'width=64&format=png',
      responseHeaders: { 'x-amz-meta-notes': 'n'.repeat(3000) },
    });
    const handled = await createHandler({
      config,
      origin: async () => toBytes(scene(64, 64, 9).png()),
    })(event);
    if (handled.body === undefined) {
      expect(['response-too-large', 'output-too-large']).toContain(header(handled, 'x-resizer-passthrough'));
    } else {
      expect(generatedSize(handled)).toBeLessThanOrEqual(10_000);
    }
  });
});
