import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { jpegEncoder } from '../../src/codecs/jpeg.js';
import { decodeJpeg } from '../../src/codecs/jpeg-decode.js';
import { rawRgba, scene, similarity } from '../helpers/images.js';

// Our baseline JPEG encoder (wasm/jpeg-encode.c), checked against independent decoders (sharp's
// libjpeg-turbo and our own) and against sharp's encoder at the same quality.
function rgba(width: number, height: number, seed = 3) {
  return rawRgba(scene(width, height, seed));
}

describe('every size decodes to the same size', () => {
  test.each([
    [1, 1],
    [7, 3],
    [8, 8],
    [16, 16],
    [17, 9],
    [33, 65],
    [640, 480],
  ])('%ix%i', async (width, height) => {
    const image = await rgba(Math.max(width, 2), Math.max(height, 2));
    const input = { ...image, width, height, data: image.data.subarray(0, width * height * 4) };
    const jpeg = await jpegEncoder.encode(input, { quality: 80 });
    const meta = await sharp(jpeg).metadata();
    expect([meta.format, meta.width, meta.height, meta.chromaSubsampling]).toEqual([
      'jpeg',
      width,
      height,
      '4:2:0',
    ]);
    const ours = await decodeJpeg(jpeg);
    expect([ours.width, ours.height]).toEqual([width, height]);
  });
});

describe('quality and bytes track sharp at the same setting', () => {
  test.each([10, 50, 80, 95, 100])('quality %i', async (quality) => {
    const image = await rgba(800, 533, 5);
    const ours = await jpegEncoder.encode(image, { quality });
    const theirs = new Uint8Array(
      await sharp(image.data, { raw: { width: 800, height: 533, channels: 4 } })
        .jpeg({ quality })
        .toBuffer(),
    );
    const source = new Uint8Array(
      await sharp(image.data, { raw: { width: 800, height: 533, channels: 4 } })
        .png()
        .toBuffer(),
    );
    // Bytes track sharp's: at most 5% more, and no less than 85% (0.88 at quality 100, where
    // MozJPEG's tables spend more, 0.95-1.00 below), so an encoder ignoring quality fails a bound.
    expect(ours.length / theirs.length).toBeLessThan(1.05);
    expect(ours.length / theirs.length).toBeGreaterThan(0.85);
    const [oursScore, theirScore] = [await similarity(ours, source), await similarity(theirs, source)];
    expect(oursScore).toBeGreaterThan(theirScore - 0.005);
  });
});

test('lower quality gives fewer bytes', async () => {
  const image = await rgba(400, 300);
  const sizes = [];
  for (const quality of [95, 80, 60, 40, 20])
    sizes.push((await jpegEncoder.encode(image, { quality })).length);
  for (let i = 1; i < sizes.length; i++) {
    expect(sizes[i] as number).toBeLessThan((sizes[i - 1] as number) * 0.97); // strictly, by a margin
  }
});

test('output larger than the initial buffer (noise at quality 100) grows and stays valid', async () => {
  const width = 256;
  const height = 192;
  const data = new Uint8Array(width * height * 4);
  let state = 99;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    data[i] = state >>> 23;
  }
  const jpeg = await jpegEncoder.encode({ data, width, height }, { quality: 100 });
  expect(jpeg.length).toBeGreaterThan(width * height * 0.375 + 4096); // past the initial quarter byte per coefficient
  const decoded = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  expect([decoded.info.width, decoded.info.height]).toEqual([width, height]);
  expect([jpeg[jpeg.length - 2], jpeg[jpeg.length - 1]]).toEqual([0xff, 0xd9]);
});
