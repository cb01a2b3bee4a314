import sharp from 'sharp';
import { beforeAll, describe, expect, test } from 'vitest';
import { planTransform } from '../src/core/transform.js';
import { transform } from '../src/index.js';
import { pngBomb } from './helpers/bombs.js';
import { colourAt, decode, deltaE, quadrants, scene, similarity, toBytes } from './helpers/images.js';

/** Sharp's resize of the same input to the same box: the reference for perceptual checks. */
async function sharpReference(input: Uint8Array, width: number, height?: number) {
  return new Uint8Array(await sharp(input).rotate().resize(width, height).png().toBuffer());
}

describe('EXIF orientations 1-8 come out upright', () => {
  let upright: Uint8Array;
  beforeAll(async () => {
    upright = await toBytes(quadrants(80, 60).png());
  });

  /** Finds the stored pixels whose display under `orientation` is the upright card (checked by sharp). */
  async function storedFor(orientation: number): Promise<Uint8Array> {
    for (const angle of [0, 90, 180, 270]) {
      for (const mirror of [false, true]) {
        const rotated = await sharp(upright).rotate(angle).png().toBuffer();
        const candidate = await sharp(rotated)
          .flop(mirror)
          .jpeg({ quality: 95 })
          .withMetadata({ orientation })
          .toBuffer();
        const shown = await sharp(candidate).rotate().png().toBuffer();
        const meta = await sharp(shown).metadata();
        if (meta.width === 80 && (await similarity(new Uint8Array(shown), upright)) > 0.9)
          return new Uint8Array(candidate);
      }
    }
    throw new Error(`no stored form for orientation ${orientation}`);
  }

  test.each([1, 2, 3, 4, 5, 6, 7, 8])('orientation %i', async (orientation) => {
    const stored = await storedFor(orientation);
    const result = await transform(stored, { width: 40, format: 'png' });
    expect([result.width, result.height]).toEqual([40, 30]);
    const out = await decode(result.data);
    const near = (actual: number[], expected: number[]) =>
      expect(Math.max(...actual.map((v, i) => Math.abs(v - (expected[i] as number))))).toBeLessThan(48);
    near(colourAt(out, 0.2, 0.2), [255, 0, 0]);
    near(colourAt(out, 0.8, 0.2), [0, 255, 0]);
    near(colourAt(out, 0.2, 0.8), [0, 0, 255]);
    near(colourAt(out, 0.8, 0.8), [255, 255, 0]);
  });
});

test('metadata is stripped: no EXIF, orientation or ICC in the output', async () => {
  const input = await toBytes(scene(400, 300).jpeg().withMetadata({ orientation: 6 }).withIccProfile('srgb'));
  const before = await sharp(input).metadata();
  expect([before.orientation, Boolean(before.exif), Boolean(before.icc)]).toEqual([6, true, true]);
  for (const format of ['jpeg', 'png', 'webp'] as const) {
    const result = await transform(input, { width: 150, format });
    const meta = await sharp(result.data).metadata();
    expect([meta.width, meta.height, meta.orientation, meta.exif, meta.icc, meta.xmp]).toEqual([
      150,
      200,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  }
});

describe('inputs of every kind we decode, resized like sharp', () => {
  const photo = () => scene(640, 400, 3);
  test.each([
    ['baseline jpeg 4:2:0', () => photo().jpeg({ quality: 90 })],
    ['progressive jpeg', () => photo().jpeg({ quality: 90, progressive: true })],
    ['jpeg 4:4:4', () => photo().jpeg({ quality: 90, chromaSubsampling: '4:4:4' })],
    ['grayscale jpeg', () => photo().toColourspace('b-w').jpeg({ quality: 90 })],
    ['png 8-bit', () => photo().png()],
    ['png 16-bit', () => photo().toColourspace('rgb16').png()],
    ['png interlaced', () => photo().png({ progressive: true })],
    ['png palette', () => photo().png({ palette: true })],
    ['webp lossy', () => photo().webp({ quality: 90 })],
    ['webp lossless', () => photo().webp({ lossless: true })],
  ])('%s', async (_name, make) => {
    const input = await toBytes(make());
    const result = await transform(input, { width: 320, format: 'png' });
    expect([result.width, result.height, result.format]).toEqual([320, 200, 'png']);
    expect(await similarity(result.data, await sharpReference(input, 320))).toBeGreaterThanOrEqual(0.95);
  });

  test('CMYK JPEG comes out in sRGB, as sharp converts it', async () => {
    const cmyk = await toBytes(photo().toColourspace('cmyk').jpeg({ quality: 95 }));
    const result = await transform(cmyk, { width: 320, format: 'png' });
    expect([result.width, result.height, result.format]).toEqual([320, 200, 'png']);
    const reference = await decode(await sharpReference(cmyk, 320));
    expect(deltaE(await decode(result.data), reference).mean).toBeLessThan(3);
  });
});

describe('JPEG output is perceptually equal to sharp at the same size and quality', () => {
  test.each([
    [1600, 1000, 800],
    [1200, 1800, 400],
    [640, 480, 333],
  ])('%ix%i -> %i wide, q80', async (w, h, width) => {
    const input = await toBytes(scene(w, h, 5).jpeg({ quality: 92 }));
    const ours = await transform(input, { width, quality: 80, format: 'jpeg' });
    const theirs = new Uint8Array(await sharp(input).resize(width).jpeg({ quality: 80 }).toBuffer());
    const meta = await sharp(ours.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', ours.width, ours.height]);
    expect(await similarity(ours.data, theirs)).toBeGreaterThanOrEqual(0.95);
  });
});

describe('alpha', () => {
  let badge: Uint8Array;
  beforeAll(async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><circle cx="50" cy="50" r="50" fill="#c00"/></svg>';
    badge = await toBytes(sharp(Buffer.from(svg)).png());
  });

  test.each(['png', 'webp'] as const)('%s output keeps transparency', async (format) => {
    const result = await transform(badge, { width: 100, format });
    const out = await decode(result.data);
    expect(out.data[3]).toBe(0); // corner stays transparent
    const [r, g, b] = colourAt(out, 0.25, 0.5);
    expect(r).toBeGreaterThan(180);
    expect(Math.max(g, b)).toBeLessThan(40);
    expect(out.data[(25 * out.width + 25) * 4 + 3]).toBeGreaterThan(250); // circle centre opaque
  });

  test('jpeg output is flattened onto white', async () => {
    const out = await decode((await transform(badge, { width: 100, format: 'jpeg' })).data);
    expect(colourAt(out, 0.95, 0.05).every((v) => v > 245)).toBe(true);
    expect(colourAt(out, 0.25, 0.5)[0]).toBeGreaterThan(180);
  });

  test('contain pads with transparency, or white for jpeg', async () => {
    const png = await decode(
      (await transform(badge, { width: 100, height: 100, fit: 'contain', format: 'png' })).data,
    );
    expect([png.width, png.height, png.data[3]]).toEqual([100, 100, 0]);
    const jpeg = await decode(
      (await transform(badge, { width: 100, height: 100, fit: 'contain', format: 'jpeg' })).data,
    );
    expect(colourAt(jpeg, 0.5, 0.02).every((v) => v > 245)).toBe(true);
  });
});

describe('bytes handled with care', () => {
  test('honours byteOffset and leaves the caller buffer unchanged', async () => {
    const jpeg = await toBytes(scene(300, 200).jpeg());
    const backing = new Uint8Array(jpeg.length + 17).fill(0xaa);
    backing.set(jpeg, 9);
    const view = backing.subarray(9, 9 + jpeg.length);
    const before = backing.slice();
    const result = await transform(view, { width: 150 });
    expect([result.width, result.height]).toEqual([150, 100]);
    expect(Buffer.from(backing).equals(before)).toBe(true);
  });

  test('results do not alias WASM memory: a later call leaves an earlier result intact', async () => {
    const input = await toBytes(scene(300, 200).jpeg());
    const first = await transform(input, { width: 100, format: 'png' });
    const copy = first.data.slice();
    await transform(input, { width: 200, format: 'png' });
    await transform(input, { width: 120, format: 'webp' });
    expect(Buffer.from(first.data).equals(copy)).toBe(true);
  });
});

describe('limits are decided from the header, before decoding', () => {
  test('a 60000x60000 PNG header is refused in milliseconds', async () => {
    const started = performance.now();
    await expect(transform(pngBomb(60000, 60000), { width: 100 })).rejects.toMatchObject({
      code: 'too-many-pixels',
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('input bytes over the limit', async () => {
    const input = await toBytes(scene(300, 200).jpeg());
    await expect(
      transform(input, { width: 100 }, { config: { limits: { maxInputBytes: input.length - 1 } } }),
    ).rejects.toMatchObject({ code: 'input-too-large' });
  });

  test('input pixels over a configured limit', async () => {
    const input = await toBytes(scene(300, 200).jpeg());
    await expect(
      transform(input, { width: 100 }, { config: { limits: { maxInputPixels: 300 * 200 - 1 } } }),
    ).rejects.toMatchObject({ code: 'too-many-pixels' });
  });
});

describe('codec failures are typed and do not poison later calls', () => {
  test('a corrupt JPEG body rejects, and a good image still resizes after it', async () => {
    const good = await toBytes(scene(300, 200).jpeg());
    const broken = good.slice();
    broken.fill(0x00, 700, good.length - 2);
    for (let i = 0; i < 3; i++) {
      // The zeroed scan makes libjpeg warn (damaged data): refused, as sharp's failOn 'warning' does.
      await expect(transform(broken, { width: 100 })).rejects.toMatchObject({ code: 'corrupt-input' });
      const after = await transform(good, { width: 100 });
      expect([after.width, after.height]).toEqual([100, 67]);
    }
  });

  test.each([
    ['png', async () => toBytes(scene(300, 200).png())],
    ['webp', async () => toBytes(scene(300, 200).webp())],
  ])('a truncated %s rejects with corrupt-input and the next call works', async (_name, make) => {
    const good = await make();
    const truncated = good.subarray(0, Math.floor(good.length / 3));
    await expect(transform(truncated, { width: 100 })).rejects.toMatchObject({ code: 'corrupt-input' });
    expect((await transform(good, { width: 100 })).width).toBe(100);
  });
});

describe('an output byte budget', () => {
  test('steps lossy quality down until the output fits', async () => {
    const input = await toBytes(scene(1600, 1200, 9).jpeg({ quality: 95 }));
    const free = await transform(input, { width: 1200, quality: 95, format: 'jpeg' });
    const budget = Math.floor(free.data.byteLength / 3);
    const fitted = await transform(
      input,
      { width: 1200, quality: 95, format: 'jpeg' },
      { maxOutputBytes: budget },
    );
    expect(fitted.data.byteLength).toBeLessThanOrEqual(budget);
    expect(fitted.quality).toBeLessThan(95);
    expect([fitted.width, fitted.height]).toEqual([1200, 900]);
  });

  test('refuses with output-too-large when even the lowest quality does not fit', async () => {
    const input = await toBytes(scene(800, 600).jpeg());
    await expect(
      transform(input, { width: 400, format: 'webp' }, { maxOutputBytes: 100 }),
    ).rejects.toMatchObject({
      code: 'output-too-large',
    });
  });

  test('a lossless format is not re-encoded', async () => {
    const input = await toBytes(scene(800, 600).png());
    await expect(
      transform(input, { width: 400, format: 'png' }, { maxOutputBytes: 1000 }),
    ).rejects.toMatchObject({
      code: 'output-too-large',
      message: expect.stringMatching(/^PNG output is \d+ bytes at quality 80, over the 1000 byte budget$/),
    });
  });
});

describe('the decoded-pixel limit follows shrink-on-load', () => {
  const config = { limits: { maxDecodedPixels: 1_000_000 } };
  test('a large JPEG shrunk on load to a small decode is admitted', async () => {
    const jpeg = await toBytes(scene(2000, 1500).jpeg());
    const result = await transform(jpeg, { width: 400 }, { config }); // decoded at 1/4: 500x375
    expect([result.width, result.height]).toEqual([400, 300]);
  });
  test.each([
    [
      'a JPEG that must decode in full',
      async () => toBytes(scene(2000, 1500).jpeg()),
      { width: 1500 },
      'Decoding 2000x1500 is over the 1000000 decoded pixel limit',
    ],
    [
      'a JPEG shrunk by half, still too large',
      async () => toBytes(scene(3000, 2000).jpeg()),
      { width: 900 }, // a shrink of 3.3: decoded at 1/2
      'Decoding 1500x1000 (1/2 of 3000x2000) is over the 1000000 decoded pixel limit',
    ],
    [
      'a PNG (no shrink-on-load)',
      async () => toBytes(scene(1200, 900).png()),
      { width: 100 },
      'Decoding 1200x900 is over the 1000000 decoded pixel limit',
    ],
  ] as const)('%s is refused before decoding', async (_name, make, options, message) => {
    await expect(transform(await make(), options, { config })).rejects.toMatchObject({
      code: 'too-many-pixels',
      message,
    });
  });

  test('an image with alpha counts against maxDecodedAlphaPixels, an opaque one does not', async () => {
    const alpha = { limits: { maxDecodedPixels: 1_000_000, maxDecodedAlphaPixels: 500_000 } };
    const rgba = await toBytes(scene(800, 700).ensureAlpha(0.5).png()); // 0.56 MP
    await expect(transform(rgba, { width: 100 }, { config: alpha })).rejects.toMatchObject({
      code: 'too-many-pixels',
      message: 'Decoding 800x700 (with alpha) is over the 500000 decoded pixel limit',
    });
    const opaque = await toBytes(scene(800, 700).png());
    expect((await transform(opaque, { width: 100 }, { config: alpha })).width).toBe(100);
    const small = await toBytes(scene(700, 700).ensureAlpha(0.5).png()); // 0.49 MP
    expect((await transform(small, { width: 100 }, { config: alpha })).width).toBe(100);
    // The smaller of the two limits holds: an alpha limit above the general one does not raise it.
    const loose = { limits: { maxDecodedPixels: 400_000, maxDecodedAlphaPixels: 2_000_000 } };
    await expect(transform(small, { width: 100 }, { config: loose })).rejects.toMatchObject({
      message: 'Decoding 700x700 (with alpha) is over the 400000 decoded pixel limit',
    });
  });
});

describe('WebP decodes straight to the size it is resampled to, as sharp does', () => {
  test('the plan scales on load, and the result stays perceptually sharp-equal', async () => {
    const input = await toBytes(scene(2400, 1600, 9).webp({ quality: 90 }));
    const { plan } = planTransform(input, { width: 600, height: 600, fit: 'cover' });
    expect(plan.scaleTo).toEqual({ width: 900, height: 600 }); // the cover resize, before its crop
    const result = await transform(input, { width: 600, height: 600, fit: 'cover', format: 'png' });
    expect([result.width, result.height]).toEqual([600, 600]);
    const reference = new Uint8Array(await sharp(input).resize(600, 600, { fit: 'cover' }).png().toBuffer());
    expect(await similarity(result.data, reference)).toBeGreaterThan(0.99);
  });

  test('no scaling when nothing shrinks', async () => {
    const input = await toBytes(scene(300, 200).webp());
    expect(planTransform(input, { format: 'png' }).plan.scaleTo).toBeUndefined();
  });
});
