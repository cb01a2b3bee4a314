import sharp from 'sharp';
import { beforeAll, describe, expect, test } from 'vitest';
import { resolveEdgeConfig } from '../src/adapters/lambda-edge/config.js';
import { createHandler } from '../src/adapters/lambda-edge/handler.js';
import { transform } from '../src/index.js';
import { jpegBomb, pngBomb } from './helpers/bombs.js';
import { decodeBody, header, violations } from './helpers/cloudfront-contract.js';
import { originResponseEvent } from './helpers/events.js';
import { scene, toBytes } from './helpers/images.js';

// Hostile inputs and parameters, each followed by a good request that must still be served right.

let good: Uint8Array;
beforeAll(async () => {
  good = await toBytes(scene(640, 480).jpeg());
});

describe('decompression bombs are refused from the header, in milliseconds, without allocating', () => {
  test.each([
    ['a 60000x60000 PNG', pngBomb(60000, 60000)],
    ['a 65000x65000 JPEG SOF', jpegBomb(65000, 65000)],
    ['a 2^31 x 2 PNG', pngBomb(2 ** 31 - 1, 2)],
  ])('%s', async (_name, bomb) => {
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    await expect(transform(bomb, { width: 100 })).rejects.toMatchObject({ code: 'too-many-pixels' });
    expect(performance.now() - started).toBeLessThan(50);
    expect(process.memoryUsage().rss - rss).toBeLessThan(16 * 2 ** 20);
    const after = await transform(good, { width: 100 });
    expect([after.width, after.height]).toEqual([100, 75]);
  });
});

describe('hostile parameters and keys through the handler, each followed by a good request', () => {
  const handler = () =>
    createHandler({
      config: resolveEdgeConfig(),
      origin: async ({ key }) =>
        key === 'photo.jpg' ? good : key === 'bomb.jpg' ? jpegBomb(65000, 65000) : undefined,
    });
  test.each([
    ['/photo.jpg', 'width=99999999999999999999', 'invalid-parameter'],
    ['/photo.jpg', 'width=-0', 'invalid-parameter'],
    ['/photo.jpg', 'width=1e3', 'invalid-parameter'],
    ['/photo.jpg', 'width=0x10', 'invalid-parameter'],
    ['/photo.jpg', 'width=%D9%A1%D9%A0%D9%A0', 'invalid-parameter'], // Arabic-Indic digits
    ['/photo.jpg', 'width=%20100%20', 'invalid-parameter'],
    ['/photo.jpg', 'width=100&width=101&width=100', 'invalid-parameter'],
    ['/photo.jpg', `width=100&${'x'.repeat(8000)}=1`, null], // a very long query: the unknown name is ignored
    ['/photo.jpg', `width=${'1'.repeat(8000)}`, 'invalid-parameter'],
    ['/photo.jpg', 'w%C3%ADdth=100', 'no-parameters'], // a lookalike name is not ours
    ['/photo.jpg', '%77idth=100', null], // percent-encoded name: the same parameter
    ['/photo.jpg', 'width=100&fit=%00', 'invalid-parameter'],
    ['/../../etc/passwd', 'width=10', 'invalid-key'],
    ['/%2e%2e%2f%2e%2e%2fetc%2fpasswd', 'width=10', 'invalid-key'],
    ['/photo.jpg%00.png', 'width=10', 'invalid-key'],
    ['/bomb.jpg', 'width=10', 'too-many-pixels'],
  ])('%s ? %s', async (uri, querystring, reason) => {
    const event = originResponseEvent({ uri, querystring });
    const incoming = structuredClone(event.Records[0]?.cf.response) as NonNullable<
      (typeof event.Records)[0]
    >['cf']['response'];
    const result = await handler()(event);
    expect(violations(result, incoming)).toEqual([]);
    expect(header(result, 'x-resizer-passthrough') ?? null).toBe(reason);
    const next = await handler()(originResponseEvent({ uri: '/photo.jpg', querystring: 'width=320' }));
    const meta = await sharp(decodeBody(next)).metadata();
    expect([meta.width, meta.height]).toEqual([320, 240]);
  });
});

test('generated images tell browsers not to sniff them; SVG is never rasterised or retyped', async () => {
  const svg = new TextEncoder().encode(
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
  );
  const handler = createHandler({ config: resolveEdgeConfig(), origin: async () => svg });
  const event = originResponseEvent({
    uri: '/x.svg',
    querystring: 'width=10&format=png',
    responseHeaders: { 'content-type': 'image/svg+xml' },
  });
  const result = await handler(event);
  expect(result.body).toBeUndefined();
  expect(header(result, 'content-type')).toBe('image/svg+xml');
  expect(header(result, 'x-resizer-passthrough')).toBe('unsupported-input');
  const resized = await createHandler({ config: resolveEdgeConfig(), origin: async () => good })(
    originResponseEvent({ uri: '/p.jpg', querystring: 'width=10' }),
  );
  expect(header(resized, 'x-content-type-options')).toBe('nosniff');
});

describe('requests that interleave on the shared codec instances each get their own image', () => {
  // Decoders, the colour engine and the resampler lend their output in place until the next call on
  // their instance; concurrent requests must each still see their own pixels.
  test('concurrent transforms give the bytes the same transforms give one at a time', async () => {
    const inputs = await Promise.all([
      toBytes(scene(640, 480, 1).jpeg()),
      toBytes(scene(900, 600, 2).jpeg({ quality: 90 })),
      toBytes(scene(500, 700, 3).withIccProfile('p3').jpeg()),
      toBytes(scene(300, 300, 4).ensureAlpha(0.5).png()),
      toBytes(scene(820, 410, 5).webp()),
      toBytes(scene(640, 360, 6).withIccProfile('p3').png()),
    ]);
    const requests = inputs.flatMap((bytes, i) => [
      [bytes, { width: 200 + 10 * i, format: 'jpeg' as const }],
      [bytes, { width: 150 + 10 * i, format: 'png' as const }],
      [bytes, { width: 120 + 10 * i, format: 'webp' as const }],
    ]) as [Uint8Array, { width: number; format: 'jpeg' | 'png' | 'webp' }][];
    const context = { config: { formats: { webp: true } } };
    const alone: Uint8Array[] = [];
    for (const [bytes, options] of requests) alone.push((await transform(bytes, options, context)).data);
    for (let round = 0; round < 2; round++) {
      const together = await Promise.all(
        requests.map(([bytes, options]) => transform(bytes, options, context)),
      );
      together.forEach((result, i) => {
        expect(Buffer.from(result.data).equals(Buffer.from(alone[i] as Uint8Array)), `request ${i}`).toBe(
          true,
        );
      });
    }
  });
});
