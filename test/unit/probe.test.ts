import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { exifOrientation, probe, sniffFormat } from '../../src/core/probe.js';
import { scene, toBytes } from '../helpers/images.js';

const base = () => scene(320, 200);

describe('probe reads the header without decoding', () => {
  test.each([
    [
      'baseline jpeg',
      () => base().jpeg(),
      { format: 'jpeg', width: 320, height: 200, components: 3, progressive: false },
    ],
    ['progressive jpeg', () => base().jpeg({ progressive: true }), { format: 'jpeg', progressive: true }],
    ['grayscale jpeg', () => base().toColourspace('b-w').jpeg(), { format: 'jpeg', components: 1 }],
    ['cmyk jpeg', () => base().toColourspace('cmyk').jpeg(), { format: 'jpeg', components: 4 }],
    [
      'png rgb',
      () => base().png(),
      { format: 'png', width: 320, height: 200, bitDepth: 8, hasAlpha: false, interlaced: false },
    ],
    ['png rgba', () => base().ensureAlpha(0.5).png(), { format: 'png', hasAlpha: true }],
    ['png 16-bit', () => base().toColourspace('rgb16').png(), { format: 'png', bitDepth: 16 }],
    ['png interlaced', () => base().png({ progressive: true }), { format: 'png', interlaced: true }],
    ['webp lossy', () => base().webp(), { format: 'webp', width: 320, height: 200, hasAlpha: false }],
    ['webp lossless', () => base().webp({ lossless: true }), { format: 'webp', width: 320, height: 200 }],
    [
      'webp alpha',
      () => base().ensureAlpha(0.5).webp(),
      { format: 'webp', width: 320, height: 200, hasAlpha: true },
    ],
    ['gif', () => base().gif(), { format: 'gif', width: 320, height: 200 }],
  ])('%s', async (_name, make, expected) => {
    expect(probe(await toBytes(make()))).toMatchObject(expected);
  });

  test.each([1, 2, 3, 4, 5, 6, 7, 8])('EXIF orientation %i', async (orientation) => {
    const bytes = await toBytes(base().jpeg().withMetadata({ orientation }));
    expect(probe(bytes)).toMatchObject({ width: 320, height: 200, orientation });
  });

  test('animated webp is flagged', async () => {
    const frames = await Promise.all(
      ['#f00', '#00f'].map((c) =>
        sharp({ create: { width: 320, height: 200, channels: 3, background: c } })
          .png()
          .toBuffer(),
      ),
    );
    const animated = await toBytes(sharp(frames, { join: { animated: true } }).webp());
    expect(probe(animated)).toMatchObject({ format: 'webp', width: 320, height: 200, animated: true });
  });
});

describe('sniffFormat', () => {
  const text = (s: string) => new TextEncoder().encode(s);
  test.each([
    ['svg', text('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'svg'],
    ['svg with xml prolog', text('\uFEFF <?xml version="1.0"?>\n<svg></svg>'), 'svg'],
    ['avif', new Uint8Array([0, 0, 0, 28, ...text('ftypavif'), 0, 0, 0, 0]), 'avif'],
    ['html', text('<!doctype html><html></html>'), undefined],
    ['empty', new Uint8Array(0), undefined],
    ['random', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), undefined],
  ])('%s', (_name, bytes, format) => {
    expect(sniffFormat(bytes)).toBe(format);
  });
});

describe('broken headers are typed rejections', () => {
  test.each([
    ['truncated jpeg', async () => (await toBytes(base().jpeg())).subarray(0, 30), 'corrupt-input'],
    ['truncated png', async () => (await toBytes(base().png())).subarray(0, 20), 'corrupt-input'],
    [
      'zero-width png',
      async () => {
        const bytes = await toBytes(base().png());
        bytes.fill(0, 16, 20);
        return bytes;
      },
      'corrupt-input',
    ],
    ['unknown bytes', async () => new Uint8Array(64).fill(7), 'unsupported-input'],
  ])('%s', async (_name, make, code) => {
    const bytes = await make();
    expect(() => probe(bytes)).toThrow(expect.objectContaining({ code }));
  });
});

test('exifOrientation ignores malformed TIFF', () => {
  expect(exifOrientation(new Uint8Array([0x49, 0x49, 42, 0, 200, 0, 0, 0]))).toBeUndefined();
  expect(exifOrientation(new Uint8Array([0x4d, 0x4d]))).toBeUndefined();
});
