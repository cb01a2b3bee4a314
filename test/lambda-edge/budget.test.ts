import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, test } from 'vitest';
import { resolveEdgeConfig } from '../../src/adapters/lambda-edge/config.js';
import { folderOrigin } from '../../src/adapters/lambda-edge/folder-origin.js';
import { createHandler } from '../../src/adapters/lambda-edge/handler.js';
import { decodeBody, GENERATED_BUDGET, header, violations } from '../helpers/cloudfront-contract.js';
import { originResponseEvent } from '../helpers/events.js';
import { scene } from '../helpers/images.js';

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
    expect(header(result, 'server-timing')).toBeDefined();
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
