import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { crop, flatten, orient, pad } from '../../src/core/pixels.js';

/** A 5x3 image whose every pixel is distinct, as raw RGBA. */
function card(width = 5, height = 3) {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([i * 7, i * 3 + 1, 255 - i, 255], i * 4);
  return { data, width, height };
}

async function sharpOriented(image: ReturnType<typeof card>, orientation: number) {
  const stored = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .png()
    .withMetadata({ orientation })
    .toBuffer();
  const { data, info } = await sharp(stored).rotate().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

describe('orient matches sharp auto-orientation exactly', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8])('orientation %i', async (orientation) => {
    const image = card();
    const before = image.data.slice();
    const ours = orient(image, orientation);
    expect(ours).toEqual(await sharpOriented(image, orientation));
    expect(image.data).toEqual(before); // the input is untouched
  });
});

test('orient honours byteOffset of an unaligned view', () => {
  const image = card();
  const backing = new Uint8Array(image.data.length + 3);
  backing.set(image.data, 3);
  const view = { ...image, data: backing.subarray(3) };
  expect(orient(view, 6)).toEqual(orient(image, 6));
});

test('crop takes the rectangle', () => {
  const out = crop(card(), { left: 1, top: 1, width: 2, height: 2 });
  expect(out.width).toBe(2);
  expect([...out.data.subarray(0, 4)]).toEqual([6 * 7, 6 * 3 + 1, 255 - 6, 255]);
  expect([...out.data.subarray(12, 16)]).toEqual([12 * 7, 12 * 3 + 1, 255 - 12, 255]);
});

test('pad centres the image on a filled canvas', () => {
  const out = pad(card(2, 1), { left: 1, top: 1, width: 4, height: 3 }, [9, 8, 7, 6]);
  expect([out.width, out.height]).toEqual([4, 3]);
  expect([...out.data.subarray(0, 4)]).toEqual([9, 8, 7, 6]);
  expect([...out.data.subarray(20, 24)]).toEqual([0, 1, 255, 255]);
});

test('flatten composites alpha over the background', () => {
  const image = { data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 255, 0, 0, 255, 128]), width: 3, height: 1 };
  expect([...flatten(image, [255, 255, 255]).data]).toEqual([
    255, 255, 255, 255, 255, 0, 0, 255, 127, 127, 255, 255,
  ]);
});
