import sharp from 'sharp';
import { beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config.js';
import { isOpaque, orient, sampleTiles } from '../../src/core/pixels.js';
import {
  headOutcome,
  isTransient,
  resizeOutcome,
  TRANSIENT_REASONS,
  variesOnAccept,
} from '../../src/core/respond.js';
import { shrinkOnLoad, transform } from '../../src/core/transform.js';
import { pngBomb } from '../helpers/bombs.js';
import { scene, toBytes } from '../helpers/images.js';

// The transform's edges, exactly: limits at and past their values, messages, the deadline, the
// byte budget's quality ladder, the mosaic it samples, and the HEAD plan.

let jpeg: Uint8Array;
beforeAll(async () => {
  jpeg = await toBytes(scene(300, 200).jpeg());
});

describe('limits at and past their values', () => {
  test('input bytes: the limit itself is admitted, one more refused with the figures', async () => {
    const limits = (maxInputBytes: number) => ({ config: { limits: { maxInputBytes } } });
    await expect(transform(jpeg, { width: 30 }, limits(jpeg.byteLength))).resolves.toMatchObject({
      width: 30,
    });
    await expect(transform(jpeg, { width: 30 }, limits(jpeg.byteLength - 1))).rejects.toMatchObject({
      code: 'input-too-large',
      message: `Input is ${jpeg.byteLength} bytes, over the ${jpeg.byteLength - 1} limit`,
    });
  });

  test('input pixels: 300x200 is admitted at 60000 and refused at 59999', async () => {
    const limits = (maxInputPixels: number) => ({ config: { limits: { maxInputPixels } } });
    await expect(transform(jpeg, { width: 30 }, limits(60_000))).resolves.toMatchObject({ width: 30 });
    await expect(transform(jpeg, { width: 30 }, limits(59_999))).rejects.toMatchObject({
      code: 'too-many-pixels',
      message: 'Input is 300x200, over the 59999 pixel limit',
    });
  });

  test('output side: 300 is admitted at 300 and refused at 299', async () => {
    const limits = (maxOutputDimension: number) => ({ config: { limits: { maxOutputDimension } } });
    await expect(transform(jpeg, {}, limits(300))).resolves.toMatchObject({ width: 300, height: 200 });
    await expect(transform(jpeg, {}, limits(299))).rejects.toMatchObject({
      code: 'output-too-large',
      message: 'Output 300x200 exceeds the 299 px limit',
    });
  });

  test('inputs we do not decode say so', async () => {
    const frame = (background: string) =>
      sharp({ create: { width: 4, height: 4, channels: 3, background } })
        .png()
        .toBuffer();
    const gif = await toBytes(
      sharp([await frame('#f00'), await frame('#00f')], { join: { animated: true } }).gif(),
    );
    await expect(transform(gif, { width: 2 })).rejects.toMatchObject({
      code: 'unsupported-input',
      message: 'Animated GIF is served as it is',
    });
    const apng = pngBomb(40, 30);
    apng.set([0x61, 0x63, 0x54, 0x4c], 37); // the chunk after IHDR renamed acTL
    await expect(transform(apng, { width: 2 })).rejects.toMatchObject({
      message: 'Animated PNG is served as it is',
    });
  });
});

test('a deadline already past stops before decoding', async () => {
  await expect(transform(jpeg, { width: 30 }, { deadline: performance.now() - 1 })).rejects.toMatchObject({
    code: 'timeout',
    message: 'Time budget ran out before decoding',
  });
});

test('timings are the stages own milliseconds', async () => {
  const { timings } = await transform(jpeg, { width: 100, format: 'webp' });
  for (const stage of ['decode', 'resize', 'encode'] as const) {
    expect(timings[stage]).toBeGreaterThanOrEqual(0);
    expect(timings[stage]).toBeLessThan(30_000);
  }
});

describe('the byte budget', () => {
  let big: Uint8Array;
  beforeAll(async () => {
    big = await toBytes(scene(1400, 1100, 4).png());
  });

  test('quality steps down the ladder until the image fits', async () => {
    const free = await transform(big, { format: 'jpeg', quality: 90 });
    const budget = Math.floor(free.data.byteLength * 0.6);
    const fitted = await transform(big, { format: 'jpeg', quality: 90 }, { maxOutputBytes: budget });
    expect(fitted.data.byteLength).toBeLessThanOrEqual(budget);
    expect(fitted.quality).toBeLessThan(90);
    expect(fitted.quality).toBeGreaterThanOrEqual(20);
    // A step of the ladder (x0.75 each, floor 20); the mosaic's estimate may skip a step that would
    // just have fitted, never one that overflows (the full encode is checked).
    expect([68, 51, 38, 29, 22, 20]).toContain(fitted.quality);
  });

  test('nothing fits: output-too-large, naming the last quality tried', async () => {
    await expect(
      transform(big, { format: 'jpeg', quality: 90 }, { maxOutputBytes: 1000 }),
    ).rejects.toMatchObject({
      code: 'output-too-large',
      message: expect.stringMatching(/^JPEG output is \d+ bytes at quality 20, over the 1000 byte budget$/),
    });
  });

  test('a lossless output gets one try', async () => {
    await expect(transform(big, { format: 'png' }, { maxOutputBytes: 1000 })).rejects.toMatchObject({
      code: 'output-too-large',
      message: expect.stringMatching(/^PNG output is \d+ bytes at quality 80/),
    });
  });
});

describe('pixels', () => {
  test('the mosaic samples the centre of each quadrant', () => {
    const width = 1024;
    const height = 1024;
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++)
        data.set([x < 512 ? 10 : 200, y < 512 ? 20 : 220, 0, 255], (y * width + x) * 4);
    }
    const mosaic = sampleTiles({ data, width, height }, 256);
    if (!mosaic) throw new Error('expected a mosaic');
    expect([mosaic.width, mosaic.height]).toEqual([512, 512]);
    const at = (x: number, y: number) => [...mosaic.data.subarray((y * 512 + x) * 4, (y * 512 + x) * 4 + 2)];
    expect([at(10, 10), at(500, 10), at(10, 500), at(500, 500)]).toEqual([
      [10, 20],
      [200, 20],
      [10, 220],
      [200, 220],
    ]);
    expect(sampleTiles({ data, width: 1023, height: 1024 }, 256)).toBeUndefined();
    expect(sampleTiles({ data, width: 1024, height: 1023 }, 256)).toBeUndefined();
  });

  test('isOpaque reads every alpha', () => {
    const image = { data: new Uint8Array([1, 2, 3, 255, 4, 5, 6, 255]), width: 2, height: 1 };
    expect(isOpaque(image)).toBe(true);
    image.data[7] = 254;
    expect(isOpaque(image)).toBe(false);
    image.data[7] = 255;
    image.data[3] = 0;
    expect(isOpaque(image)).toBe(false);
  });

  test('orientations outside 2-8 leave the image as it is', () => {
    const image = { data: new Uint8Array(2 * 1 * 4).fill(9), width: 2, height: 1 };
    for (const orientation of [0, 1, 9, -1]) expect(orient(image, orientation)).toBe(image);
    expect(orient(image, 6)).toMatchObject({ width: 1, height: 2 });
  });
});

// sharp's rule (fastShrinkOnLoad): the largest of 8, 4, 2 not above the shrink, halved when the
// shrink's integer part equals it.
test.each([
  [{ width: 1000, height: 1000 }, { width: 500, height: 500 }, 1],
  [{ width: 1000, height: 1000 }, { width: 501, height: 500 }, 1],
  [{ width: 1000, height: 1000 }, { width: 334, height: 334 }, 1],
  [{ width: 1000, height: 1000 }, { width: 333, height: 333 }, 2],
  [{ width: 1000, height: 1000 }, { width: 250, height: 250 }, 2],
  [{ width: 1000, height: 1000 }, { width: 200, height: 200 }, 4],
  [{ width: 1000, height: 1000 }, { width: 125, height: 125 }, 4],
  [{ width: 1000, height: 1000 }, { width: 112, height: 112 }, 4],
  [{ width: 1000, height: 1000 }, { width: 111, height: 111 }, 8],
  [{ width: 1000, height: 1000 }, { width: 100, height: 100 }, 8],
  [{ width: 1000, height: 500 }, { width: 250, height: 250 }, 1],
  [{ width: 500, height: 1000 }, { width: 250, height: 126 }, 1],
  [{ width: 4000, height: 3000 }, { width: 1000, height: 100 }, 2],
] as const)('shrinkOnLoad(%j, %j) = %i', (stored, target, shrink) => {
  expect(shrinkOnLoad(stored, target)).toBe(shrink);
});

describe('respond', () => {
  test('transient reasons are exactly the passing ones', () => {
    expect([...TRANSIENT_REASONS].sort()).toEqual(
      [
        'codec-failure',
        'codec-unavailable',
        'internal-error',
        'origin-error',
        'origin-missing',
        'origin-timeout',
        'timeout',
      ].sort(),
    );
    expect(isTransient('upscale')).toBe(false);
    expect(isTransient('origin-timeout')).toBe(true);
  });

  test.each([
    [{ format: 'jpeg', negotiated: false }, false],
    [{ format: 'jpeg', negotiated: true }, true],
    [{ format: 'png', negotiated: false }, false],
    [{ format: 'webp', negotiated: false }, true],
    [{ format: 'avif', negotiated: false }, true],
  ])('variesOnAccept(%j) = %s', (output, varies) => {
    expect(variesOnAccept(output)).toBe(varies);
  });

  test('the origin Cache-Control is kept, else the configured one', async () => {
    const query = { kind: 'transform' as const, options: { width: 30 } };
    const kept = await resizeOutcome(jpeg, { query, originCacheControl: 'max-age=5' }, DEFAULT_CONFIG);
    expect(kept.kind === 'resized' && kept.headers['cache-control']).toBe('max-age=5');
    const configured = await resizeOutcome(jpeg, { query }, DEFAULT_CONFIG);
    expect(configured.kind === 'resized' && configured.headers['cache-control']).toBe(
      DEFAULT_CONFIG.cacheControl,
    );
  });

  test('HEAD plans from the header: the GET headers, or the GET refusal', () => {
    const header = jpeg.subarray(0, 1024);
    const planned = headOutcome(
      header,
      { query: { kind: 'transform', options: { width: 30 } }, accept: 'image/webp' },
      DEFAULT_CONFIG,
    );
    expect(planned).toEqual({
      kind: 'planned',
      headers: {
        'content-type': 'image/webp',
        'cache-control': DEFAULT_CONFIG.cacheControl,
        'x-content-type-options': 'nosniff',
        vary: 'Accept',
      },
    });
    const explicit = headOutcome(
      header,
      {
        query: { kind: 'transform', options: { width: 30, format: 'png' } },
        originCacheControl: 'max-age=9',
      },
      DEFAULT_CONFIG,
    );
    expect(explicit).toEqual({
      kind: 'planned',
      headers: {
        'content-type': 'image/png',
        'cache-control': 'max-age=9',
        'x-content-type-options': 'nosniff',
      },
    });
    expect(
      headOutcome(header, { query: { kind: 'transform', options: { width: 3000 } } }, DEFAULT_CONFIG),
    ).toMatchObject({
      kind: 'original',
      reason: 'upscale',
    });
    expect(
      headOutcome(new Uint8Array(8), { query: { kind: 'transform', options: { width: 3 } } }, DEFAULT_CONFIG),
    ).toMatchObject({
      kind: 'original',
      reason: 'unsupported-input',
    });
  });
});

describe('contain pads an opaque input with the background, not with transparency', () => {
  test.each([
    [undefined, [255, 255, 255]],
    [[0, 0, 255] as const, [0, 0, 255]],
  ])('background %j', async (background, expected) => {
    const config = background ? { background } : {};
    const out = await transform(
      jpeg,
      { width: 200, height: 200, fit: 'contain', format: 'jpeg' },
      { config },
    );
    const { data, info } = await sharp(out.data).raw().toBuffer({ resolveWithObject: true });
    const corner = [...data.subarray(0, 3)];
    expect(info.width).toBe(200);
    for (const [i, value] of corner.entries()) {
      expect(Math.abs(value - (expected[i] as number))).toBeLessThan(12);
    }
  });
});
