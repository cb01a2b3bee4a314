import { describe, expect, test } from 'vitest';
import { exifOrientation, probe, sniffFormat } from '../../src/core/probe.js';

// Hand-built headers, field by field, at and past each bound: what the probe reports, and where it
// refuses (the mutation run found the header walkers under-tested).

const bytes = (...parts: (number[] | string | Uint8Array)[]) => {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') for (const c of part) out.push(c.charCodeAt(0));
    else out.push(...part);
  }
  return new Uint8Array(out);
};
const u16be = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const u16le = (n: number) => [n & 0xff, (n >> 8) & 0xff];
const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u32le = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

// --- JPEG

const SOI = [0xff, 0xd8];
const sof = (marker: number, width: number, height: number, components = 3) =>
  bytes(
    [0xff, marker],
    u16be(8 + 3 * components),
    [8],
    u16be(height),
    u16be(width),
    [components],
    new Array(3 * components).fill(1),
  );
const segment = (marker: number, body: Uint8Array | number[]) =>
  bytes([0xff, marker], u16be(body.length + 2), body instanceof Uint8Array ? [...body] : body);

/** A TIFF structure with IFD0 holding the orientation tag (and a filler tag before it). */
function tiff(order: 'II' | 'MM', orientation: number, { magic = 42, ifd = 8, tag = 0x0112 } = {}) {
  const w16 = order === 'II' ? u16le : u16be;
  const w32 = order === 'II' ? u32le : u32be;
  return bytes(
    order,
    w16(magic),
    w32(ifd),
    w16(2),
    w16(0x010f),
    w16(2),
    w32(1),
    w32(0),
    w16(tag),
    w16(3),
    w32(1),
    w16(orientation),
    w16(0),
  );
}
const exif = (t: Uint8Array) => segment(0xe1, bytes('Exif\0\0', t));

describe('JPEG headers', () => {
  test.each([
    ['baseline', 0xc0, false],
    ['extended', 0xc1, false],
    ['progressive', 0xc2, true],
    ['lossless', 0xc3, false],
    ['differential progressive', 0xc6, true],
    ['arithmetic progressive', 0xca, true],
    ['arithmetic differential progressive', 0xce, true],
  ])('%s SOF', (_name, marker, progressive) => {
    const info = probe(bytes(SOI, sof(marker, 640, 480)));
    expect(info).toMatchObject({
      format: 'jpeg',
      width: 640,
      height: 480,
      components: 3,
      progressive,
      bitDepth: 8,
    });
  });

  test('fill bytes, standalone markers and other segments are walked past', () => {
    const info = probe(
      bytes(
        SOI,
        [0xff, 0xff, 0xff, 0xd0, 0xff, 0x01],
        segment(0xe0, bytes('JFIF\0', [1, 2])),
        sof(0xc0, 7, 5, 1),
      ),
    );
    expect(info).toMatchObject({ width: 7, height: 5, components: 1, orientation: 1 });
  });

  test.each([1, 2, 3, 4, 5, 6, 7, 8])('EXIF orientation %i, both byte orders', (orientation) => {
    for (const order of ['II', 'MM'] as const) {
      expect(probe(bytes(SOI, exif(tiff(order, orientation)), sof(0xc0, 10, 20))).orientation).toBe(
        orientation,
      );
    }
  });

  test.each([
    ['orientation 0', tiff('II', 0)],
    ['orientation 9', tiff('MM', 9)],
    ['bad byte order', bytes('XX', tiff('II', 6).subarray(2))],
    ['bad magic', tiff('II', 6, { magic: 43 })],
    ['IFD past the end', tiff('MM', 6, { ifd: 500 })],
    ['no orientation tag', tiff('II', 6, { tag: 0x0110 })],
    ['cut inside the entry', tiff('II', 6).subarray(0, 30)],
    ['shorter than a header', bytes('II', [42])],
  ])('%s: no orientation (1)', (_name, t) => {
    expect(exifOrientation(t) ?? 1).toBe(1);
    expect(probe(bytes(SOI, exif(t), sof(0xc0, 10, 20))).orientation).toBe(1);
  });

  test('an APP1 that is not Exif is ignored', () => {
    expect(probe(bytes(SOI, segment(0xe1, bytes('http://ns', [0, 0])), sof(0xc0, 3, 4))).orientation).toBe(1);
  });

  test.each([
    ['a byte that is not a marker', bytes(SOI, segment(0xe0, [1, 2]), [0x00, 0x11, 0, 0])],
    ['a segment length under 2', bytes(SOI, [0xff, 0xe0, 0x00, 0x01, 0, 0])],
    ['a frame header cut short', bytes(SOI, [0xff, 0xc0, 0x00, 0x11, 8, 0])],
    ['scan data before any frame header', bytes(SOI, [0xff, 0xda, 0x00, 0x08, 0, 0, 0, 0])],
    ['the end before any frame header', bytes(SOI, [0xff, 0xd9, 0, 0])],
    ['no frame header at all', bytes(SOI, segment(0xe0, [1, 2, 3]))],
    ['zero width', bytes(SOI, sof(0xc0, 0, 10))],
    ['zero height', bytes(SOI, sof(0xc0, 10, 0))],
  ])('%s is corrupt-input', (_name, header) => {
    expect(() => probe(header)).toThrow(expect.objectContaining({ code: 'corrupt-input' }));
  });
});

// --- PNG

const chunk = (type: string, body: number[] = []) => bytes(u32be(body.length), type, body, [0, 0, 0, 0]);
const ihdr = (width: number, height: number, depth: number, colorType: number, interlace = 0) =>
  chunk('IHDR', [...u32be(width), ...u32be(height), depth, colorType, 0, 0, interlace]);
const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('PNG headers', () => {
  test.each([
    [0, false],
    [2, false],
    [3, false],
    [4, true],
    [6, true],
  ])('colour type %i: alpha %s', (colorType, hasAlpha) => {
    expect(probe(bytes(PNG_SIG, ihdr(30, 20, 8, colorType), chunk('IDAT', [0])))).toMatchObject({
      format: 'png',
      width: 30,
      height: 20,
      bitDepth: 8,
      hasAlpha,
      animated: false,
      interlaced: false,
    });
  });

  test('tRNS gives alpha, acTL animation, Adam7 interlacing; chunks after IDAT are not read', () => {
    expect(
      probe(bytes(PNG_SIG, ihdr(5, 5, 16, 2, 1), chunk('tRNS', [0, 0]), chunk('IDAT', [0]))),
    ).toMatchObject({
      hasAlpha: true,
      interlaced: true,
      bitDepth: 16,
    });
    expect(
      probe(bytes(PNG_SIG, ihdr(5, 5, 8, 2), chunk('acTL', [0, 0, 0, 2, 0, 0, 0, 0]), chunk('IDAT'))),
    ).toMatchObject({ animated: true });
    expect(
      probe(
        bytes(
          PNG_SIG,
          ihdr(5, 5, 8, 2),
          chunk('IDAT'),
          chunk('acTL', [0, 0, 0, 2, 0, 0, 0, 0]),
          chunk('tRNS', [0, 0]),
        ),
      ),
    ).toMatchObject({
      animated: false,
      hasAlpha: false,
    });
    expect(
      probe(bytes(PNG_SIG, ihdr(5, 5, 8, 2), chunk('IEND'), chunk('acTL', [0, 0, 0, 2, 0, 0, 0, 0]))),
    ).toMatchObject({ animated: false });
  });

  test.each([
    ['no IHDR first', bytes(PNG_SIG, chunk('tEXt', new Array(13).fill(65)), chunk('IDAT'))],
    ['cut inside IHDR', bytes(PNG_SIG, ihdr(5, 5, 8, 2)).subarray(0, 30)],
    ['zero width', bytes(PNG_SIG, ihdr(0, 5, 8, 2), chunk('IDAT'))],
  ])('%s is corrupt-input', (_name, header) => {
    expect(() => probe(header)).toThrow(expect.objectContaining({ code: 'corrupt-input' }));
  });
});

// --- WebP

const riff = (type: string, body: number[]) =>
  bytes('RIFF', u32le(4 + 8 + body.length), 'WEBP', type, u32le(body.length), body);

describe('WebP headers', () => {
  test('lossy: size from the VP8 frame header, 14 bits each', () => {
    const vp8 = [0, 0, 0, 0x9d, 0x01, 0x2a, ...u16le(640 | 0xc000), ...u16le(480 | 0x4000)];
    expect(probe(riff('VP8 ', vp8))).toMatchObject({
      format: 'webp',
      width: 640,
      height: 480,
      hasAlpha: false,
    });
  });

  test.each([
    [[0, 0, 0, 0x9c, 0x01, 0x2a], 'start code'],
    [[0, 0, 0, 0x9d, 0x02, 0x2a], 'start code'],
    [[0, 0, 0, 0x9d, 0x01, 0x2b], 'start code'],
  ])('a lossy frame with a bad %s is corrupt-input', (start) => {
    expect(() => probe(riff('VP8 ', [...start, 10, 0, 10, 0]))).toThrow(
      expect.objectContaining({ code: 'corrupt-input' }),
    );
  });

  test.each([
    [false, 0],
    [true, 1],
  ])('lossless: size and alpha bit (%s)', (hasAlpha, alpha) => {
    const bits = (100 - 1) | ((50 - 1) << 14) | (alpha << 28);
    expect(probe(riff('VP8L', [0x2f, ...u32le(bits >>> 0)]))).toMatchObject({
      width: 100,
      height: 50,
      hasAlpha,
    });
    expect(() => probe(riff('VP8L', [0x2e, ...u32le(bits >>> 0)]))).toThrow(
      expect.objectContaining({ code: 'corrupt-input' }),
    );
  });

  test.each([
    [0x00, false, false],
    [0x10, true, false],
    [0x02, false, true],
    [0x12, true, true],
  ])('extended, flags %i: alpha %s, animated %s', (flags, hasAlpha, animated) => {
    const body = [flags, 0, 0, 0, ...u32le(4000 - 1).slice(0, 3), ...u32le(3000 - 1).slice(0, 3)];
    expect(probe(riff('VP8X', body))).toMatchObject({ width: 4000, height: 3000, hasAlpha, animated });
  });

  test('an unknown first chunk is corrupt-input', () => {
    expect(() => probe(riff('ALPH', new Array(10).fill(0)))).toThrow(
      expect.objectContaining({ code: 'corrupt-input' }),
    );
  });
});

// --- Sniffing

describe('sniffFormat', () => {
  test.each([
    [bytes([0xff, 0xd8, 0xff, 0xe0]), 'jpeg'],
    [bytes([0xff, 0xd8, 0x00, 0xe0]), undefined],
    [bytes([0xfe, 0xd8, 0xff]), undefined],
    [bytes(PNG_SIG), 'png'],
    [bytes('RIFF', [0, 0, 0, 0], 'WEBP'), 'webp'],
    [bytes('RIFF', [0, 0, 0, 0], 'WAVE'), undefined],
    [bytes('RIFX', [0, 0, 0, 0], 'WEBP'), undefined],
    [bytes([0, 0, 0, 0x1c], 'ftypavif'), 'avif'],
    [bytes([0, 0, 0, 0x1c], 'ftypavis'), 'avif'],
    [bytes([0, 0, 0, 0x1c], 'ftypheic'), undefined],
    [bytes([0, 0, 0, 0x18], 'ftypmif1', [0, 0, 0, 0], 'miafavif'), 'avif'], // AVIF as a compatible brand
    [bytes([0, 0, 0, 0x18], 'ftypheic', [0, 0, 0, 0], 'mif1heic'), undefined],
    [bytes([0, 0, 0, 0x10], 'ftypmif1', [0, 0, 0, 0], 'avif'), undefined], // avif past the box's end
    [bytes('GIF89a'), 'gif'],
    [bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'svg'],
    [bytes('\uFEFF'.replace(/./, '\xef\xbb\xbf'), '  <SVG/>'), 'svg'],
    [bytes('<?xml version="1.0"?>\n<svg/>'), 'svg'],
    [bytes('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"><svg/>'), 'svg'],
    [bytes('<!-- drawn by hand --><svg/>'), 'svg'],
    [bytes('<?xml version="1.0"?><html/>'), undefined],
    [bytes('<!-- a comment --><html/>'), undefined],
    [bytes('<html><svg/></html>'), undefined],
    [bytes('plain text'), undefined],
  ])('%#', (input, format) => {
    expect(sniffFormat(input)).toBe(format);
  });

  test('SVG and AVIF probe as formats we do not decode; unknown bytes are refused', () => {
    expect(probe(bytes('<svg/>'))).toMatchObject({ format: 'svg', width: 0, height: 0 });
    expect(() => probe(bytes('nothing we know'))).toThrow(
      expect.objectContaining({ code: 'unsupported-input', message: 'Unrecognised image format' }),
    );
  });
});
