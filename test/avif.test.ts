/**
 * AVIF out (format=avif, or negotiated when enabled) and in (still images; sequences stay a
 * passthrough), checked against sharp's own AVIF: sizes, SSIM, and what our quality scale means.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { packageFiles } from '../scripts/edge-bundle.mjs';
import { transform } from '../src/index.js';
import { makeCorpus } from './helpers/corpus.js';
import { originResponseEvent } from './helpers/events.js';
import { scene, similarity, toBytes } from './helpers/images.js';

const AVIF_ON = { config: { formats: { webp: true, avif: true } } };
const CHROME = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

function isAvif(bytes: Uint8Array): boolean {
  return new TextDecoder().decode(bytes.subarray(4, 12)) === 'ftypavif';
}

describe('AVIF output', () => {
  test("format=avif gives an AVIF of the asked size, perceptually equal to sharp's resize", async () => {
    const input = await toBytes(scene(1600, 1000, 5).jpeg({ quality: 92 }));
    const result = await transform(input, { width: 800, format: 'avif' }, AVIF_ON);
    expect([result.format, result.width, result.height, result.negotiated]).toEqual([
      'avif',
      800,
      500,
      false,
    ]);
    expect(isAvif(result.data)).toBe(true);
    const meta = await sharp(result.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['heif', 800, 500]);
    const reference = new Uint8Array(await sharp(input).resize(800).png().toBuffer());
    expect(await similarity(result.data, reference)).toBeGreaterThan(0.95);
  });

  test('quality means what it means for JPEG: about the same SSIM at the same quality', async () => {
    const input = await toBytes(sharp('samples/landscape.jpg').resize(800));
    for (const quality of [50, 80]) {
      const avif = await transform(input, { format: 'avif', quality }, AVIF_ON);
      const jpeg = await transform(input, { format: 'jpeg', quality });
      const [a, j] = [await similarity(avif.data, input), await similarity(jpeg.data, input)];
      expect(Math.abs(a - j), `quality ${quality}: AVIF ${a}, JPEG ${j}`).toBeLessThan(0.01);
      expect(avif.data.byteLength).toBeLessThan(jpeg.data.byteLength);
    }
  });

  test.each([
    [1, 1],
    [3, 2],
    [17, 9],
    [801, 501],
  ])('a %ix%i AVIF (odd sides included) holds the picture', async (width, height) => {
    const source = await toBytes(scene(width, height, 3).ensureAlpha(0.6).png());
    const result = await transform(source, { format: 'avif', quality: 90 }, AVIF_ON);
    const raw = async (bytes: Uint8Array) =>
      sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const [ours, original] = [await raw(result.data), await raw(source)];
    expect([ours.info.width, ours.info.height]).toEqual([width, height]);
    let difference = 0;
    for (let i = 0; i < ours.data.length; i++)
      difference += Math.abs((ours.data[i] ?? 0) - (original.data[i] ?? 0));
    expect(difference / ours.data.length).toBeLessThan(6);
  });

  test('transparency survives', async () => {
    const input = await toBytes(scene(400, 300).ensureAlpha(0.5).png());
    const result = await transform(input, { width: 200, format: 'avif' }, AVIF_ON);
    const { data } = await sharp(result.data).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(Math.abs((data[3] as number) - 128)).toBeLessThan(4);
  });

  test('the response budget steps AVIF quality down as it does JPEG and WebP', async () => {
    const { data, info } = await scene(800, 500, 8).raw().toBuffer({ resolveWithObject: true });
    for (let i = 0; i < data.length; i++) data[i] = ((data[i] as number) + ((i * 2654435761) >>> 26)) & 255; // grain
    const input = await toBytes(sharp(data, { raw: info }).png());
    const full = await transform(input, { width: 800, format: 'avif', quality: 95 }, AVIF_ON);
    const budget = Math.round(full.data.byteLength * 0.5);
    const fitted = await transform(
      input,
      { width: 800, format: 'avif', quality: 95 },
      { ...AVIF_ON, maxOutputBytes: budget },
    );
    expect(fitted.format).toBe('avif');
    expect(fitted.quality).toBeLessThan(95);
    expect(fitted.data.byteLength).toBeLessThanOrEqual(budget);
  });

  test('negotiated when Accept names it and it is enabled; WebP otherwise', async () => {
    const input = await toBytes(scene(600, 400).jpeg());
    const on = await transform(input, { width: 300 }, { ...AVIF_ON, accept: CHROME });
    expect([on.format, on.negotiated]).toEqual(['avif', true]);
    const off = await transform(input, { width: 300 }, { accept: CHROME });
    expect(off.format).toBe('webp');
    await expect(transform(input, { width: 300, format: 'avif' })).rejects.toMatchObject({
      code: 'format-disabled',
    });
  });
});

describe('AVIF input', () => {
  test('a still AVIF is resized like sharp resizes it', async () => {
    const avif = await toBytes(scene(1200, 800, 6).avif({ quality: 80 }));
    const result = await transform(avif, { width: 300, format: 'png' });
    expect([result.width, result.height, result.format]).toEqual([300, 200, 'png']);
    const reference = new Uint8Array(await sharp(avif).resize(300).png().toBuffer());
    expect(await similarity(result.data, reference)).toBeGreaterThan(0.98);
  });

  test('no format asked: the output is JPEG (or what Accept allows), never an unrequested AVIF', async () => {
    const avif = await toBytes(scene(600, 400).avif());
    expect((await transform(avif, { width: 300 })).format).toBe('jpeg');
    expect((await transform(avif, { width: 300 }, { accept: CHROME })).format).toBe('webp');
  });

  test('an AVIF with alpha keeps it', async () => {
    const avif = await toBytes(scene(400, 300).ensureAlpha(0.25).avif({ quality: 90 }));
    const result = await transform(avif, { width: 200, format: 'png' });
    const { data } = await sharp(result.data).raw().toBuffer({ resolveWithObject: true });
    expect(Math.abs((data[3] as number) - 64)).toBeLessThan(4);
  });

  test('an image sequence (brand avis) is served as it is', async () => {
    const still = await toBytes(scene(200, 100).avif());
    const sequence = still.slice();
    sequence.set(new TextEncoder().encode('avis'), 8);
    await expect(transform(sequence, { width: 100 })).rejects.toMatchObject({
      code: 'unsupported-input',
      message: 'Animated AVIF is served as it is',
    });
  });

  test('a truncated AVIF is corrupt input', async () => {
    const avif = await toBytes(scene(600, 400).avif());
    await expect(transform(avif.slice(0, avif.length >> 1), { width: 100 })).rejects.toMatchObject({
      code: 'corrupt-input',
    });
  });

  test('the pixel limits apply from the header (ispe), before decoding', async () => {
    const avif = await toBytes(scene(600, 400).avif());
    await expect(
      transform(avif, { width: 100 }, { config: { limits: { maxInputPixels: 200_000 } } }),
    ).rejects.toMatchObject({
      code: 'too-many-pixels',
      message: 'Input is 600x400, over the 200000 pixel limit',
    });
  });
});

test('the Lambda@Edge package without its AVIF files still serves JPEG: AVIF costs nothing until asked', async () => {
  const built = path.resolve('dist/lambda-edge');
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-no-avif-'));
  for (const { name } of packageFiles(built))
    if (!name.startsWith('avif')) copyFileSync(path.join(built, name), path.join(dir, name));
  const bundle = await import(path.join(dir, 'index.mjs'));
  const corpus = await makeCorpus();
  const handler = bundle.createHandler({
    config: { ...bundle.config, formats: { webp: true, avif: true } },
    origin: bundle.folderOrigin(corpus),
  });
  const jpeg = await handler(originResponseEvent({ uri: '/photo.jpg', querystring: 'width=200' }));
  expect([jpeg.status, jpeg.headers['content-type']?.[0]?.value]).toEqual(['200', 'image/jpeg']);
  const avif = await handler(
    originResponseEvent({ uri: '/photo.jpg', querystring: 'width=200&format=avif' }),
  );
  // A module file that cannot be read is codec-unavailable (transient), not a trapped codec.
  expect(avif.headers['x-resizer-passthrough']?.[0]?.value).toBe('codec-unavailable');
});
