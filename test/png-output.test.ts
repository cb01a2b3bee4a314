/**
 * PNG output: the smallest colour type that holds the image exactly (checked by reading IHDR and by
 * decoding the pixels back), and bytes within 1.1x of sharp's default PNG for the same request. PNG
 * input: what follows the image is checked but its compressed chunks are not decompressed.
 */

import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, test } from 'vitest';
import { pngDecoder, pngEncoder } from '../src/codecs/png.js';
import { transform } from '../src/index.js';
import { pngChunk, scene, toBytes } from './helpers/images.js';
import { PIXELS, readEndReproductions } from './helpers/png-read-end.js';

const COLOUR_TYPES = { 0: 'grey', 2: 'rgb', 3: 'palette', 4: 'grey+alpha', 6: 'rgba' } as const;

function colourType(png: Uint8Array): string {
  return COLOUR_TYPES[png[25] as keyof typeof COLOUR_TYPES] ?? `type ${png[25]}`;
}

function image(width: number, height: number, pixel: (x: number, y: number) => number[]) {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  return { data, width, height };
}

describe('the colour type is the smallest that holds the image exactly', () => {
  test.each([
    ['an opaque photo-like image', 'rgb', image(64, 48, (x, y) => [x * 4, y * 5, (x * y) & 255, 255])],
    ['opaque grey', 'grey', image(64, 48, (x, y) => [x + y, x + y, x + y, 255])],
    ['grey with alpha', 'grey+alpha', image(64, 48, (x, y) => [x * 3, x * 3, x * 3, y * 5])],
    ['colour with alpha, many colours', 'rgba', image(64, 48, (x, y) => [x * 4, y * 5, x ^ y, y * 5])],
    ['few colours', 'palette', image(64, 48, (x, y) => [(x >> 4) * 60, (y >> 4) * 70, 200, 255])],
    [
      'few colours, some translucent',
      'palette',
      image(64, 48, (x, y) => [(x >> 4) * 60, 10, 200, y < 24 ? 255 : 128]),
    ],
  ])('%s: %s', async (_name, expected, raw) => {
    const png = await pngEncoder.encode(raw, { quality: 80 });
    expect(colourType(png)).toBe(expected);
    // Lossless: both our decoder and sharp's give the pixels back exactly.
    expect((await pngDecoder.decode(png)).data).toEqual(raw.data);
    const back = await sharp(png).ensureAlpha().raw().toBuffer();
    expect(new Uint8Array(back)).toEqual(raw.data);
  });
});

/** Inputs of the kinds that end up as PNG: photos asked as PNG, graphics, grey scans, palettes. */
const inputs: Record<string, () => Sharp> = {
  'photo (opaque)': () => sharp(readFileSync('samples/landscape.jpg')),
  'badge with alpha': () => sharp(readFileSync('samples/badge-alpha.png')),
  'grey scan': () => sharp(readFileSync('samples/landscape.jpg')).greyscale(),
  'palette graphic': () => scene(900, 600, 4).png({ palette: true, colours: 64 }),
  'flat artwork': () =>
    sharp(
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800"><rect width="1200" height="800" fill="#1d2b4f"/><circle cx="600" cy="400" r="300" fill="#f7c948"/><rect x="100" y="600" width="1000" height="120" fill="#e03131"/></svg>`,
      ),
    ),
};

describe("bytes are within 1.1x of sharp's default PNG for the same request", () => {
  test.each(Object.keys(inputs))('%s', async (name) => {
    const make = inputs[name] as () => Sharp;
    const input = await toBytes(make().png());
    for (const width of [200, 614]) {
      const ours = await transform(input, { width, format: 'png' });
      const theirs = await sharp(input).resize(width).png().toBuffer();
      expect(ours.data.byteLength / theirs.byteLength, `${name} at ${width}`).toBeLessThan(1.1);
    }
  });
});

describe('PNG input: what follows the image', () => {
  /** `png` with `chunks` inserted before its IEND. */
  function beforeEnd(png: Uint8Array, ...chunks: Uint8Array[]): Uint8Array {
    const end = png.length - 12;
    return new Uint8Array([...png.subarray(0, end), ...chunks.flatMap((c) => [...c]), ...png.subarray(end)]);
  }

  test('text and profile chunks after IDAT, their compressed data cut short, are skipped unread', async () => {
    const png = await toBytes(scene(64, 48).png());
    const cut = deflateSync(Buffer.alloc(4096, 'a')).subarray(0, 20); // an inflate that cannot finish
    const keyword = new TextEncoder().encode('Comment\0');
    const withTrailers = beforeEnd(
      png,
      pngChunk('zTXt', new Uint8Array([...keyword, 0, ...cut])),
      pngChunk('iTXt', new Uint8Array([...keyword, 1, 0, 0, 0, ...cut])),
      pngChunk('iCCP', new Uint8Array([...new TextEncoder().encode('icc\0'), 0, ...cut])),
    );
    const plain = await pngDecoder.decode(png);
    const trailed = await pngDecoder.decode(withTrailers);
    expect([trailed.width, trailed.height]).toEqual([64, 48]);
    expect(Buffer.compare(Buffer.from(trailed.data), Buffer.from(plain.data))).toBe(0);
    expect(trailed.icc).toBeUndefined();
  });

  test.each(Object.entries(readEndReproductions()))(
    "CVE-2026-46675's %s reproduction decodes to its pixels (its compressed chunk is abandoned before the image)",
    async (_chunk, bytes) => {
      const image = await pngDecoder.decode(bytes);
      expect([image.width, image.height, image.icc]).toEqual([4, 4, undefined]);
      const rgb = Uint8Array.from(
        { length: 48 },
        (_, i) => image.data[Math.floor(i / 3) * 4 + (i % 3)] ?? -1,
      );
      expect(Buffer.compare(Buffer.from(rgb), Buffer.from(PIXELS))).toBe(0);
    },
  );

  test('the end is still checked: a broken IEND fails', async () => {
    const png = await toBytes(scene(64, 48).png());
    const broken = png.slice();
    broken[broken.length - 1] = (broken[broken.length - 1] ?? 0) ^ 0xff; // IEND's CRC
    await expect(pngDecoder.decode(broken)).rejects.toThrow();
  });
});

describe('PNG input: the decoder says when every pixel is opaque, so the resampler need not look', () => {
  const rgba = (alpha: (i: number) => number) => {
    const data = Buffer.alloc(37 * 23 * 4);
    for (let i = 0; i < 37 * 23; i++) data.set([i % 251, (i * 7) % 256, 90, alpha(i)], i * 4);
    return sharp(data, { raw: { width: 37, height: 23, channels: 4 } });
  };
  test.each([
    ['RGB, no alpha channel', () => scene(40, 30).png(), true],
    ['RGBA, alpha 255 throughout', () => rgba(() => 255).png(), true],
    [
      'RGBA, one pixel at 254 (the last, past the SIMD blocks)',
      () => rgba((i) => (i === 37 * 23 - 1 ? 254 : 255)).png(),
      false,
    ],
    ['RGBA, one clear pixel in the first block', () => rgba((i) => (i === 2 ? 0 : 255)).png(), false],
    [
      'palette with a transparent entry in use',
      () => rgba((i) => (i % 5 ? 255 : 0)).png({ palette: true }),
      false,
    ],
  ])('%s', async (_name, make, opaque) => {
    const image = await pngDecoder.decode(await toBytes(make()));
    expect(image.opaque).toBe(opaque);
  });
});
