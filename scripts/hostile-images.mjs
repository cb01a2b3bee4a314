// Hostile PNG and GIF files, written byte by byte: small files that would cost a decoder gigabytes
// or seconds (issue 24). Shared by test/hostile-png-gif.test.ts, which holds each to a time and
// memory bound, and the fuzz corpus (scripts/fuzz-lib.mjs: the png-hostile and gif-hostile
// families), which draws sizes and counts at random.
import { crc32, deflateSync } from 'node:zlib';
import { concat } from './bytes.mjs';

const text = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));

// --- PNG ---------------------------------------------------------------------------------------

/** One chunk, its length and CRC right (or `length` as given, to lie about it). */
export function pngChunk(type, data = new Uint8Array(0), length = data.length) {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, length);
  out.set(text(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * A valid RGB PNG of `width` x `height` (128x96 unless given: larger than the fuzz queries ask; a gradient), with `before` chunks between IHDR and IDAT and
 * `after` chunks between IDAT and IEND; `header` overrides IHDR's sides (to disagree with the data).
 */
export function pngFile({ width = 128, height = 96, before = [], after = [], header = {} } = {}) {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, header.width ?? width);
  view.setUint32(4, header.height ?? height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) raw.set([x * 2, y * 2, 128], y * (1 + width * 3) + 1 + x * 3);
  return concat([
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...before,
    pngChunk('IDAT', deflateSync(raw)),
    ...after,
    pngChunk('IEND'),
  ]);
}

/** zlib data that inflates to `bytes` zeros (about 1,000 to 1), made once per size. */
const bombs = new Map();
function zlibBomb(bytes) {
  if (!bombs.has(bytes)) bombs.set(bytes, deflateSync(new Uint8Array(bytes), { level: 9 }));
  return bombs.get(bytes);
}

/** A compressed text chunk (zTXt or iTXt) whose text inflates to `inflated` bytes. */
export function pngTextBomb(type, inflated) {
  const head = type === 'zTXt' ? text('Comment\0\0') : text('Comment\0\x01\x00\0\0');
  return pngChunk(type, concat([head, zlibBomb(inflated)]));
}

/** `count` compressed text chunks before the image, each inflating to `inflated` bytes. */
export function pngTextFlood(type, count, inflated = 15_900_000) {
  const chunk = pngTextBomb(type, inflated);
  return pngFile({ before: Array.from({ length: count }, () => chunk) });
}

/** `count` empty chunks of a private ancillary type before the image. */
export function pngUnknownFlood(count, type = 'prVt') {
  const chunk = pngChunk(type);
  return pngFile({ before: Array.from({ length: count }, () => chunk) });
}

/**
 * An iCCP chunk whose profile inflates to `size` bytes: a header that passes libpng's checks
 * (size, 'acsp', an RGB display class) and no tags, then zeros.
 */
export function pngIccpBomb(size) {
  const profile = new Uint8Array(size);
  const view = new DataView(profile.buffer);
  view.setUint32(0, size);
  view.setUint32(8, 0x02100000); // version 2.1
  profile.set(text('mntrRGB XYZ '), 12);
  profile.set(text('acsp'), 36);
  view.setInt32(68, 0xf6d6); // D50 illuminant, as libpng checks
  view.setInt32(72, 0x10000);
  view.setInt32(76, 0xd32d);
  return pngFile({
    before: [pngChunk('iCCP', concat([text('bomb\0\0'), deflateSync(profile, { level: 9 })]))],
  });
}

// --- GIF ---------------------------------------------------------------------------------------

/** LZW data for `pixels` (indices < 256) with a clear code every 250 codes, so codes stay 9 bits. */
function lzw(pixels) {
  const bytes = [];
  let bits = 0;
  let count = 0;
  const put = (code) => {
    bits |= code << count;
    count += 9;
    while (count >= 8) {
      bytes.push(bits & 0xff);
      bits >>>= 8;
      count -= 8;
    }
  };
  put(256);
  pixels.forEach((p, i) => {
    if (i > 0 && i % 250 === 0) put(256);
    put(p);
  });
  put(257);
  if (count > 0) bytes.push(bits & 0xff);
  return subBlocks(Uint8Array.from(bytes));
}

/** Data split into sub-blocks of at most `size` bytes, then the block terminator. */
export function subBlocks(data, size = 255) {
  const parts = [];
  for (let at = 0; at < data.length; at += size) {
    const piece = data.subarray(at, at + size);
    parts.push(Uint8Array.of(piece.length), piece);
  }
  parts.push(Uint8Array.of(0));
  return concat(parts);
}

const u16 = (n) => Uint8Array.of(n & 0xff, (n >> 8) & 0xff);

/**
 * A GIF: a `screen` (logical screen), a 256-colour global table, `extensions` before the frame and
 * one frame (`frame`: left, top, width, height; pixels from `index(x, y)` unless `data` is given).
 */
export function gifFile({
  screen = { width: 128, height: 96 },
  frame = { left: 0, top: 0, width: screen.width, height: screen.height },
  extensions = [],
  index = (x, y) => (x + y) & 0xff,
  data,
  trailer = true,
} = {}) {
  const table = new Uint8Array(768);
  for (let i = 0; i < 256; i++) table.set([i, 255 - i, (i * 7) & 0xff], i * 3);
  const pixels = [];
  if (!data)
    for (let y = 0; y < frame.height; y++) for (let x = 0; x < frame.width; x++) pixels.push(index(x, y));
  return concat([
    text('GIF89a'),
    u16(screen.width),
    u16(screen.height),
    Uint8Array.of(0xf7, 0, 0),
    table,
    ...extensions,
    Uint8Array.of(0x2c),
    u16(frame.left),
    u16(frame.top),
    u16(frame.width),
    u16(frame.height),
    Uint8Array.of(0, 8),
    data ?? lzw(pixels),
    trailer ? Uint8Array.of(0x3b) : new Uint8Array(0),
  ]);
}

/** An extension block: introducer, label, then `data` in sub-blocks of `size` bytes. */
export function gifExtension(label, data, size = 255) {
  return concat([Uint8Array.of(0x21, label), subBlocks(data, size)]);
}

/** A comment extension of `count` one-byte sub-blocks (2 bytes each) before the frame. */
export function gifCommentFlood(count) {
  const extension = new Uint8Array(2 + 2 * count + 1);
  extension.set([0x21, 0xfe]);
  new Uint16Array(extension.buffer, 2, count).fill(0x4101); // [1, 'A'] pairs, little-endian
  return gifFile({ extensions: [extension] });
}

/** A small screen and a frame descriptor far larger, with a few bytes of LZW data. */
export function gifHugeFrame(side, screen = 64) {
  return gifFile({
    screen: { width: screen, height: screen },
    frame: { left: 0, top: 0, width: side, height: side },
    data: subBlocks(Uint8Array.of(0x00, 0x01, 0x02, 0x04)),
  });
}

// --- fuzz families: one hostile file per call, sizes and counts drawn from `r` --------------------

export function pngHostile(r) {
  switch (r.int(6)) {
    case 0:
      return pngTextFlood(r.pick(['zTXt', 'iTXt']), 1 + r.int(40), r.pick([1 << 20, 8 << 20, 15_900_000]));
    case 1:
      return pngUnknownFlood(r.pick([1000, 20_000, 100_000]), r.pick(['prVt', 'tEXt', 'sPLT', 'iCCP']));
    case 2:
      return pngIccpBomb(r.pick([1 << 20, 16 << 20, 40 << 20]));
    case 3: // the header disagrees with the data
      return pngFile({ header: { width: r.pick([1, 17, 5000, 65535]), height: r.pick([1, 15, 5000]) } });
    case 4: // a chunk whose length runs past the file
      return pngFile({
        before: [pngChunk('zTXt', text('x\0\0'), r.pick([2 ** 31 - 1, 2 ** 32 - 1, 1 << 20]))],
      });
    default: // floods after the image too
      return pngFile({ after: Array.from({ length: 1 + r.int(30) }, () => pngTextBomb('zTXt', 8 << 20)) });
  }
}

export function gifHostile(r) {
  switch (r.int(6)) {
    case 0:
      return gifHugeFrame(r.pick([300, 6000, 30000, 46000, 65535]), r.pick([1, 16, 64]));
    case 1:
      return gifCommentFlood(r.pick([1000, 100_000, 1_000_000]));
    case 2: // application and plain-text extensions, many of them
      return gifFile({
        extensions: Array.from({ length: 1 + r.int(2000) }, () =>
          gifExtension(r.pick([0xff, 0x01, 0xfe, 0x99]), new Uint8Array(r.int(600))),
        ),
      });
    case 3: // a frame descriptor with no pixels, or placed off the screen
      return gifFile({
        frame: r.pick([
          { left: 0, top: 0, width: 0, height: 16 },
          { left: 60000, top: 60000, width: 16, height: 16 },
          { left: 8, top: 8, width: 16, height: 16 },
        ]),
      });
    case 4: // the screen disagrees with the frame, or the data ends early
      return gifFile({
        screen: { width: r.pick([1, 16, 65535]), height: r.pick([1, 16, 4000]) },
        frame: { left: 0, top: 0, width: 16, height: 16 },
        trailer: r.next() < 0.5,
      });
    default: // many frames (animation, refused) of sizes larger than the screen
      return gifFile({
        extensions: Array.from({ length: r.int(50) }, () =>
          gifFile({ frame: { left: 0, top: 0, width: 8, height: 8 }, trailer: false }).subarray(781),
        ),
      });
  }
}
