import sharp from 'sharp';
import { ssim } from 'ssim.js';
import { describe, expect, test } from 'vitest';
import { resize } from '../../src/codecs/resize.js';
import { rawRgba, scene } from '../helpers/images.js';

describe('the Lanczos3 kernel matches sharp', () => {
  test.each([
    [1200, 800, 300, 200],
    [1200, 800, 1199, 799],
    [640, 480, 640, 12],
    [37, 13, 5, 9],
    [800, 600, 123, 457],
  ])('%ix%i -> %ix%i', async (sw, sh, dw, dh) => {
    const input = await rawRgba(scene(sw, sh, 4));
    const ours = await resize(input, dw, dh);
    const theirs = await rawRgba(
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
  const input = await rawRgba(scene(300, 200));
  const before = input.data.slice();
  const first = await resize(input, 100, 67);
  const copy = first.data.slice();
  await resize(input, 250, 150);
  expect(Buffer.from(input.data).equals(before)).toBe(true);
  expect(Buffer.from(first.data).equals(copy)).toBe(true);
});

describe('the fixed-point pass (opaque images) agrees with the floating-point one (alpha)', () => {
  // The same pixels through both: the float pass is forced by one clear pixel in a corner (and reads
  // the source whole, where the fixed-point pass streams it in bands), and the
  // outputs are compared outside that pixel's reach (Lanczos3's support, widened when shrinking),
  // where premultiplying changes nothing and the two differ only by the fixed point's rounding.
  test.each([
    [2560, 1600, 800, 500],
    [1622, 2880, 800, 1420],
    [300, 200, 1000, 667],
    [5000, 40, 3, 7],
    [70, 50, 20, 20],
    [30, 30, 640, 20],
  ])('%ix%i -> %ix%i', async (sw, sh, dw, dh) => {
    const input = await rawRgba(scene(sw, sh, 5));
    const cornered = { ...input, data: input.data.slice() };
    cornered.data[3] = 0;
    const fixed = await resize(input, dw, dh); // opaque: streamed through the kernel in bands
    const float = await resize(cornered, dw, dh, { alpha: true });
    const reach = (from: number, to: number) => 3 * Math.max(1, from / to) + 1;
    let compared = 0;
    let off = 0;
    let worst = 0;
    let clear = 0;
    for (let y = 0; y < dh; y++) {
      for (let x = 0; x < dw; x++) {
        const i = (y * dw + x) * 4;
        if (fixed.data[i + 3] !== 255) clear++;
        const near = ((x + 0.5) * sw) / dw < reach(sw, dw) && ((y + 0.5) * sh) / dh < reach(sh, dh);
        for (let c = 0; c < 3 && !near; c++) {
          const d = Math.abs((fixed.data[i + c] ?? 0) - (float.data[i + c] ?? 0));
          if (d > 0) off++;
          worst = Math.max(worst, d);
          compared++;
        }
      }
    }
    expect(clear).toBe(0);
    expect(compared).toBeGreaterThan(dw * dh);
    expect(worst).toBeLessThanOrEqual(1);
    expect(off / compared).toBeLessThan(0.02);
  });
});

test('an alpha channel that is 255 throughout takes the fixed-point pass: the same output as without one', async () => {
  const input = await rawRgba(scene(640, 480, 2));
  const withAlpha = await resize(input, 300, 200, { alpha: true });
  const without = await resize(input, 300, 200);
  expect(Buffer.compare(Buffer.from(withAlpha.data), Buffer.from(without.data))).toBe(0);
});
