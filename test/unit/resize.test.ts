import sharp, { type Sharp } from 'sharp';
import { ssim } from 'ssim.js';
import { describe, expect, test } from 'vitest';
import { resize } from '../../src/codecs/resize.js';
import { scene } from '../helpers/images.js';

async function raw(pipeline: Sharp) {
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

describe('the Lanczos3 kernel matches sharp', () => {
  test.each([
    [1200, 800, 300, 200],
    [1200, 800, 1199, 799],
    [640, 480, 640, 12],
    [37, 13, 5, 9],
    [800, 600, 123, 457],
  ])('%ix%i -> %ix%i', async (sw, sh, dw, dh) => {
    const input = await raw(scene(sw, sh, 4));
    const ours = await resize(input, dw, dh);
    const theirs = await raw(
      sharp(input.data, { raw: { width: sw, height: sh, channels: 4 } }).resize(dw, dh, { fit: 'fill' }),
    );
    expect([ours.width, ours.height, ours.data.length]).toEqual([dw, dh, dw * dh * 4]);
    const score = ssim(
      { ...ours, data: new Uint8ClampedArray(ours.data) },
      { ...theirs, data: new Uint8ClampedArray(theirs.data) },
    ).mssim;
    expect(score).toBeGreaterThanOrEqual(dw < 8 || dh < 8 ? 0.9 : 0.99);
  });
});

test('transparent pixels do not bleed their colour (premultiplied alpha)', async () => {
  // Left half opaque red, right half fully transparent green.
  const width = 64;
  const data = new Uint8Array(width * 16 * 4);
  for (let i = 0; i < width * 16; i++)
    data.set(i % width < width / 2 ? [255, 0, 0, 255] : [0, 255, 0, 0], i * 4);
  const out = await resize({ data, width, height: 16 }, 16, 4, { alpha: true });
  for (let i = 0; i < out.data.length; i += 4) {
    if ((out.data[i + 3] as number) > 8) expect(out.data[i + 1]).toBeLessThan(8); // no green where visible
  }
  expect(out.data[3]).toBe(255);
  expect(out.data[(16 - 1) * 4 + 3]).toBe(0);
});

test('the input is left untouched and results do not alias kernel memory', async () => {
  const input = await raw(scene(300, 200));
  const before = input.data.slice();
  const first = await resize(input, 100, 67);
  const copy = first.data.slice();
  await resize(input, 250, 150);
  expect(Buffer.from(input.data).equals(before)).toBe(true);
  expect(Buffer.from(first.data).equals(copy)).toBe(true);
});

describe('the fixed-point pass (opaque images) agrees with the floating-point one (alpha)', () => {
  // The same opaque pixels through both: with alpha 255 everywhere, premultiplying changes nothing,
  // so the two differ only by the fixed point's rounding.
  test.each([
    [2560, 1600, 800, 500],
    [1622, 2880, 800, 1420],
    [300, 200, 1000, 667],
    [5000, 40, 3, 7],
    [1, 1, 1, 1],
    [7, 5, 1, 1],
    [3, 3, 640, 2],
  ])('%ix%i -> %ix%i', async (sw, sh, dw, dh) => {
    const input = await raw(scene(sw, sh, 5));
    const fixed = await resize(input, dw, dh);
    const float = await resize(input, dw, dh, { alpha: true });
    let off = 0;
    let worst = 0;
    for (let i = 0; i < fixed.data.length; i++) {
      const d = Math.abs((fixed.data[i] ?? 0) - (float.data[i] ?? 0));
      if (d > 0) off++;
      worst = Math.max(worst, d);
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(off / fixed.data.length).toBeLessThan(0.01);
  });
});
