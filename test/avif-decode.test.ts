/**
 * AVIF decoding with our HEIF reader and Debian's dav1d, on files sharp cannot write but cameras and
 * other encoders do: grids of tiles, irot/imir orientation, 10- and 12-bit, 4:4:4, 4:0:0, lossless
 * (identity matrix), premultiplied alpha, another major brand, and files that lie about themselves.
 */

import { readFileSync } from 'node:fs';
import { defaultOptions } from '@jsquash/avif/meta.js';
import sharp, { type AvifOptions, type Sharp } from 'sharp';
import { describe, expect, test } from 'vitest';
import { decodeAvif } from '../src/codecs/avif.js';
import { isResizerError } from '../src/core/errors.js';
import { transform } from '../src/index.js';
import { type Av1Image, buildAvif, encodeTiles, gridOf } from './helpers/heif.js';
import { similarity, toBytes } from './helpers/images.js';
import { referenceAvifEncoder } from './helpers/jsquash-avif.js';

/** A real photo, so that every orientation looks different. */
const photo = (width: number, height: number) =>
  sharp('samples/landscape.jpg').resize(width, height, { fit: 'fill' });

async function single(
  source: Sharp,
  width: number,
  height: number,
  options?: AvifOptions,
): Promise<Av1Image> {
  const { colour, av1C } = await encodeTiles([source], options);
  return { tiles: colour, av1C, tileWidth: width, tileHeight: height };
}

async function png(file: Uint8Array, request = {}): Promise<Uint8Array> {
  return (await transform(file, { format: 'png', ...request })).data;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    return isResizerError(error) ? error.code : `untyped: ${error}`;
  }
}

describe('orientation (irot, imir) is applied as sharp applies it', () => {
  const cases: [number, number | undefined][] = [];
  for (const irot of [0, 1, 2, 3]) for (const imir of [undefined, 0, 1]) cases.push([irot, imir]);

  test.each(cases)('irot %i, imir %s', async (irot, imir) => {
    const source = await toBytes(photo(240, 160).png());
    const colour = await single(sharp(source), 240, 160, { quality: 95 });
    const file = buildAvif({ colour, irot, ...(imir === undefined ? {} : { imir }) });
    const out = await png(file);
    // The expected picture, and every other orientation of it: ours must be nearest the expected.
    const candidates = await Promise.all(
      [0, 90, 180, 270].flatMap((angle) =>
        [false, true].map(async (flop) => {
          // Rotated first, then mirrored (sharp itself mirrors before rotating within one pipeline).
          const rotated = await toBytes(sharp(source).rotate(angle).png());
          return { angle, flop, bytes: flop ? await toBytes(sharp(rotated).flop().png()) : rotated };
        }),
      ),
    );
    const sameShape = candidates.filter((candidate) => (candidate.angle % 180 === 0) === (irot % 2 === 0));
    const scores = await Promise.all(
      sameShape.map(async (candidate) => ({ ...candidate, score: await similarity(out, candidate.bytes) })),
    );
    // irot turns anticlockwise; imir 0 mirrors left-right, 1 top-bottom (= 180 and left-right).
    let angle = (360 - irot * 90) % 360;
    const flop = imir !== undefined;
    if (imir === 1) angle = (angle + 180) % 360;
    const expected = scores.find((s) => s.angle === angle && s.flop === flop);
    const best = scores.reduce((a, b) => (b.score > a.score ? b : a));
    expect([best.angle, best.flop]).toEqual([angle, flop]);
    expect(expected?.score).toBeGreaterThan(0.9);
    const { width, height } = await sharp(out).metadata();
    expect([width, height]).toEqual(irot % 2 ? [160, 240] : [240, 160]);
  });

  test('a width request applies to the upright image', async () => {
    const colour = await single(photo(240, 160), 240, 160);
    const result = await transform(buildAvif({ colour, irot: 1 }), { width: 80, format: 'png' });
    expect([result.width, result.height]).toEqual([80, 120]);
  });
});

describe('clean aperture (clap) is applied before orientation, as sharp applies it', () => {
  test('a crop 200x100 moved by (10, -10) from the centre, alone and then turned', async () => {
    const source = await toBytes(photo(240, 160).png());
    const colour = await single(sharp(source), 240, 160, { quality: 95 });
    const clap: [number, number][] = [
      [200, 1],
      [100, 1],
      [10, 1],
      [-10, 1],
    ];
    const expected = await toBytes(
      sharp(source).extract({ left: 30, top: 20, width: 200, height: 100 }).png(),
    );
    const cropped = await png(buildAvif({ colour, clap }));
    expect(await similarity(cropped, expected)).toBeGreaterThan(0.9);
    const file = buildAvif({ colour, clap, irot: 1 });
    const turned = await transform(file, { format: 'png' });
    expect([turned.width, turned.height]).toEqual([100, 200]);
    expect(await similarity(turned.data, await toBytes(sharp(file).png()))).toBeGreaterThan(0.97); // sharp's own reading
    expect(await similarity(turned.data, await toBytes(sharp(expected).rotate(270).png()))).toBeGreaterThan(
      0.9,
    );
  });

  test('a clap that is not whole pixels inside the image is ignored', async () => {
    const colour = await single(photo(240, 160), 240, 160);
    for (const clap of [
      [
        [201, 2],
        [100, 1],
        [0, 1],
        [0, 1],
      ],
      [
        [200, 1],
        [100, 1],
        [40, 1],
        [0, 1],
      ],
    ] as [number, number][][]) {
      const result = await transform(buildAvif({ colour, clap }), { format: 'png' });
      expect([result.width, result.height]).toEqual([240, 160]);
    }
  });
});

describe('grids', () => {
  /** A 600x400 image with alpha as a 2x2 grid of 320x208 tiles (the last row and column cropped). */
  async function gridFile() {
    const { data, info } = await photo(600, 400).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    for (let y = 0; y < info.height; y++)
      for (let x = 0; x < info.width; x++) data[(y * info.width + x) * 4 + 3] = Math.round((255 * x) / 599);
    const source = await toBytes(sharp(data, { raw: info }).png());
    const layout = { width: 600, height: 400, rows: 2, columns: 2, tileWidth: 320, tileHeight: 208 };
    const { tiles, colour, alpha } = await gridOf(source, layout, { quality: 95 });
    return { file: buildAvif({ colour, alpha }), source, tiles };
  }

  test('a 2x2 grid with an alpha grid is stitched, cropped to its output size, alpha kept', async () => {
    const { file, source } = await gridFile();
    const out = await png(file);
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height, meta.hasAlpha]).toEqual([600, 400, true]);
    expect(await similarity(out, source)).toBeGreaterThan(0.93);
    const alpha = await sharp(out).extractChannel(3).raw().toBuffer();
    const expectedAlpha = await sharp(source).extractChannel(3).raw().toBuffer();
    let worst = 0;
    for (let i = 0; i < alpha.length; i++)
      worst = Math.max(worst, Math.abs((alpha[i] ?? 0) - (expectedAlpha[i] ?? 0)));
    expect(worst).toBeLessThan(12);
  });

  test('a grid whose tile count does not match its rows and columns is corrupt input', async () => {
    const { tiles } = await gridFile();
    const file = buildAvif({
      colour: {
        tiles: tiles.colour.slice(0, 3),
        av1C: tiles.av1C,
        tileWidth: 320,
        tileHeight: 208,
        grid: { rows: 2, columns: 2, width: 600, height: 400 },
      },
    });
    expect(await codeOf(transform(file, { width: 100 }))).toBe('corrupt-input');
  });

  test('a grid larger than its tiles can cover is corrupt input', async () => {
    const { tiles } = await gridFile();
    const file = buildAvif({
      colour: {
        tiles: tiles.colour,
        av1C: tiles.av1C,
        tileWidth: 320,
        tileHeight: 208,
        grid: { rows: 2, columns: 2, width: 700, height: 400 },
      },
    });
    expect(await codeOf(transform(file, { width: 100 }))).toBe('corrupt-input');
  });
});

describe('bit depths, chroma layouts and matrices', () => {
  /** The photo encoded by libavif (the jSquash build) with these options; 10 and 12 bits from 16-bit samples. */
  async function encodeWith(options: Partial<typeof defaultOptions>) {
    const { data, info } = await photo(320, 200).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const depth = options.bitDepth ?? 8;
    const samples =
      depth === 8
        ? new Uint8Array(data)
        : new Uint8Array(Uint16Array.from(data, (v) => Math.round((v * (2 ** depth - 1)) / 255)).buffer);
    const file = await referenceAvifEncoder.use('codec-failure', (api) =>
      api.encode(samples, info.width, info.height, { ...defaultOptions, speed: 8, ...options }),
    );
    return { file: file as Uint8Array, rgba: new Uint8Array(data) };
  }

  /** The av1C's sequence header flags: [high bit depth, twelve bit, monochrome, subsampling x, y]. */
  function av1cFlags(file: Uint8Array): number[] {
    const at = new TextDecoder('latin1').decode(file).indexOf('av1C') + 4;
    const flags = file[at + 2] ?? 0;
    return [6, 5, 4, 3, 2].map((bit) => (flags >> bit) & 1);
  }

  test.each([
    ['10-bit 4:2:0', { bitDepth: 10, quality: 90 }, [1, 0, 0, 1, 1]],
    ['12-bit 4:2:0', { bitDepth: 12, quality: 90 }, [1, 1, 0, 1, 1]],
    ['8-bit 4:4:4', { subsample: 3, quality: 90 }, [0, 0, 0, 0, 0]],
    ['8-bit 4:2:2', { subsample: 2, quality: 90 }, [0, 0, 0, 1, 0]],
    ['10-bit 4:4:4', { subsample: 3, bitDepth: 10, quality: 90 }, [1, 0, 0, 0, 0]],
  ])('%s decodes to the picture encoded, as sharp decodes it', async (_, options, flags) => {
    const { file, rgba } = await encodeWith(options);
    expect(av1cFlags(file)).toEqual(flags);
    const decoded = await decodeAvif(file);
    expect([decoded.width, decoded.height]).toEqual([320, 200]);
    const raw = { raw: { width: 320, height: 200, channels: 4 as const } };
    const ours = await toBytes(sharp(decoded.data, raw).png());
    expect(await similarity(ours, await toBytes(sharp(rgba, raw).png()))).toBeGreaterThan(0.95);
    expect(await similarity(ours, await toBytes(sharp(file).png()))).toBeGreaterThan(0.99);
  });

  test('lossless (identity matrix, 4:4:4) comes back exactly', async () => {
    const { file, rgba } = await encodeWith({
      lossless: true,
      quality: 100,
      qualityAlpha: -1,
      subsample: 3,
    } as Partial<typeof defaultOptions>);
    const decoded = await decodeAvif(file);
    let differing = 0;
    for (let i = 0; i < rgba.length; i++) if (decoded.data[i] !== rgba[i]) differing++;
    expect(differing).toBe(0);
  });
});

describe('container', () => {
  test("the fuzzer's grid seed (2x2 tiles, alpha grid, irot 1, imir 0) decodes upright with its alpha", async () => {
    const file = new Uint8Array(readFileSync('test/fixtures/avif-grid-alpha-irot.avif'));
    const out = await png(file);
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height, meta.hasAlpha]).toEqual([64, 96, true]);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64"><rect width="96" height="64" fill="#358"/><circle cx="30" cy="30" r="22" fill="#e93"/><path d="M50 60 L90 5" stroke="#fff" stroke-width="4"/></svg>`;
    const rotated = await toBytes(sharp(Buffer.from(svg)).removeAlpha().ensureAlpha(0.7).rotate(270).png());
    expect(await similarity(out, await toBytes(sharp(rotated).flop().png()))).toBeGreaterThan(0.9);
    const { channels } = await sharp(out).stats();
    expect(Math.abs((channels[3]?.mean ?? 0) - 0.7 * 255)).toBeLessThan(4);
  });

  test('an AVIF whose major brand is mif1 (avif only compatible) is recognised and decoded', async () => {
    const colour = await single(photo(240, 160), 240, 160);
    const result = await transform(buildAvif({ colour, majorBrand: 'mif1' }), { width: 120, format: 'png' });
    expect([result.format, result.width, result.height]).toEqual(['png', 120, 80]);
  });

  test('premultiplied alpha is divided out', async () => {
    const solid = sharp({
      create: { width: 64, height: 64, channels: 4, background: { r: 60, g: 90, b: 30, alpha: 0.5 } },
    });
    const tiles = await encodeTiles([solid], { lossless: true });
    const image = (tiles_: Uint8Array[], av1C: Uint8Array): Av1Image => ({
      tiles: tiles_,
      av1C,
      tileWidth: 64,
      tileHeight: 64,
    });
    const spec = {
      colour: image(tiles.colour, tiles.av1C),
      alpha: image(tiles.alpha, tiles.alphaAv1C as Uint8Array),
    };
    const straight = await decodeAvif(buildAvif(spec));
    const premultiplied = await decodeAvif(buildAvif({ ...spec, premultiplied: true }));
    for (const [i, expected] of [60, 90, 30, 128].entries())
      expect(Math.abs((straight.data[i] ?? 0) - expected)).toBeLessThanOrEqual(2);
    const [r, g, b, a] = premultiplied.data;
    expect(Math.abs((a ?? 0) - 128)).toBeLessThanOrEqual(1);
    for (const [value, expected] of [
      [r, 120],
      [g, 180],
      [b, 60],
    ])
      expect(Math.abs((value ?? 0) - (expected ?? 0))).toBeLessThanOrEqual(3);
  });

  test('an image larger than its ispe says is refused by dav1d before it allocates: corrupt input', async () => {
    const colour = await single(photo(240, 160), 240, 160);
    const file = buildAvif({ colour: { ...colour, tileWidth: 120, tileHeight: 80 } });
    expect(await codeOf(transform(file, { width: 60 }))).toBe('corrupt-input');
  });

  test('an alpha item of another size is corrupt input', async () => {
    const colour = await encodeTiles([photo(240, 160).ensureAlpha(0.5)]);
    const small = await encodeTiles([photo(120, 80).ensureAlpha(0.5)]);
    const file = buildAvif({
      colour: { tiles: colour.colour, av1C: colour.av1C, tileWidth: 240, tileHeight: 160 },
      alpha: { tiles: small.alpha, av1C: small.alphaAv1C as Uint8Array, tileWidth: 240, tileHeight: 160 },
    });
    expect(await codeOf(transform(file, { width: 60 }))).toBe('corrupt-input');
  });

  test('item data pointing outside the file is corrupt input, as is an item that is not AV1', async () => {
    const colour = await single(photo(240, 160), 240, 160);
    const file = buildAvif({ colour });
    const cut = file.subarray(0, file.length - 100);
    expect(await codeOf(transform(cut, { width: 60 }))).toBe('corrupt-input');
    const renamed = file.slice();
    const infe = new TextDecoder('latin1').decode(renamed).indexOf('av01');
    renamed.set(new TextEncoder().encode('hvc1'), infe);
    expect(await codeOf(transform(renamed, { width: 60 }))).toBe('unsupported-input');
  });
});
