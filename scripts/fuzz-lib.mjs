// The fuzzing engine shared by the bounded fuzz test (test/fuzz.test.ts) and `npm run fuzz`:
// valid seed images of every kind we decode, structure-aware mutators, and a case runner that
// classifies each outcome as an image, a typed refusal, a crash or a hang.
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { avifHostile } from './avif-hostile.mjs';
import { concat } from './bytes.mjs';
import { gifHostile, pngHostile } from './hostile-images.mjs';

/** A seeded xorshift32 generator: the same seed gives the same cases. */
export function random(seed) {
  // Scramble the seed (murmur3's finaliser): neighbouring seeds must not start neighbouring streams.
  let state = seed >>> 0;
  state = Math.imul(state ^ (state >>> 16), 0x85ebca6b);
  state = Math.imul(state ^ (state >>> 13), 0xc2b2ae35);
  state = (state ^ (state >>> 16)) >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}

/**
 * Small valid images: JPEG (baseline, progressive, 4:4:4, grey, CMYK, with an ICC profile), PNG (RGB,
 * RGBA, 16-bit, interlaced, palette, with a profile), WebP (with a profile), static GIF, AVIF (plain,
 * with alpha, a grid with alpha and orientation).
 */
export async function seedImages(sharp) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64"><rect width="96" height="64" fill="#358"/><circle cx="30" cy="30" r="22" fill="#e93"/><path d="M50 60 L90 5" stroke="#fff" stroke-width="4"/></svg>`;
  const base = () => sharp(Buffer.from(svg));
  const kinds = {
    'jpeg-baseline': (s) => s.flatten().jpeg({ quality: 85 }),
    'jpeg-progressive': (s) => s.flatten().jpeg({ progressive: true }),
    'jpeg-444': (s) => s.flatten().jpeg({ chromaSubsampling: '4:4:4' }),
    'jpeg-grey': (s) => s.flatten().toColourspace('b-w').jpeg(),
    'jpeg-exif': (s) => s.flatten().jpeg().withMetadata({ orientation: 6 }),
    'png-rgb': (s) => s.flatten().png(),
    'png-rgba': (s) => s.png(),
    'png-16': (s) => s.toColourspace('rgb16').png(),
    'png-interlaced': (s) => s.png({ progressive: true }),
    'png-palette': (s) => s.png({ palette: true }),
    'webp-lossy': (s) => s.flatten().webp(),
    'webp-lossless': (s) => s.webp({ lossless: true }),
    'webp-alpha': (s) => s.webp({ alphaQuality: 80 }),
    // The decoders and colour paths added by issues 11 and 14.
    'jpeg-cmyk': (s) => s.flatten().toColourspace('cmyk').jpeg(),
    'jpeg-p3': (s) => s.flatten().withIccProfile('p3').jpeg(),
    'png-p3': (s) => s.withIccProfile('p3').png(),
    'webp-p3': (s) => s.withIccProfile('p3').webp(),
    'gif-static': (s) => s.gif(),
    avif: (s) => s.avif({ quality: 60 }),
    'avif-alpha': (s) => s.removeAlpha().ensureAlpha(0.6).avif({ quality: 60 }),
  };
  const seeds = [];
  for (const [name, make] of Object.entries(kinds))
    seeds.push({ name, bytes: new Uint8Array(await make(base()).toBuffer()) });
  // What sharp cannot write: a 2x2 grid of tiles with an alpha grid, irot and imir (written by
  // test/helpers/heif.ts).
  seeds.push({
    name: 'avif-grid',
    bytes: new Uint8Array(
      readFileSync(new URL('../test/fixtures/avif-grid-alpha-irot.avif', import.meta.url)),
    ),
  });
  return seeds;
}

// --- structure: JPEG segments, PNG chunks, RIFF chunks, ISOBMFF boxes ------------------------------------------

function jpegSegments(b) {
  const out = [];
  for (let o = 2; o + 4 <= b.length && b[o] === 0xff; ) {
    const marker = b[o + 1];
    if (marker === 0xda) break;
    const length = (b[o + 2] << 8) | b[o + 3];
    out.push({ start: o, end: o + 2 + length, marker });
    o += 2 + length;
  }
  return out;
}

function pngChunks(b) {
  const out = [];
  for (let o = 8; o + 12 <= b.length; ) {
    const length = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
    const type = String.fromCharCode(...b.subarray(o + 4, o + 8));
    out.push({ start: o, end: o + 12 + length, type });
    if (type === 'IEND') break;
    o += 12 + length;
  }
  return out;
}

function riffChunks(b) {
  const out = [];
  for (let o = 12; o + 8 <= b.length; ) {
    const length = (b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24)) >>> 0;
    const end = o + 8 + length + (length & 1);
    out.push({ start: o, end: Math.min(end, b.length) });
    o = end;
  }
  return out;
}

/** ISOBMFF (AVIF) boxes: the top level, and the boxes inside `meta` (a full box) and its `iprp`/`ipco`. */
function isoBoxes(b, start = 0, end = b.length, out = []) {
  for (let o = start; o + 8 <= end; ) {
    const size = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
    const type = String.fromCharCode(...b.subarray(o + 4, o + 8));
    if (size < 8 || o + size > end) break;
    out.push({ start: o, end: o + size, type });
    if (type === 'meta') isoBoxes(b, o + 12, o + size, out);
    if (type === 'iprp' || type === 'ipco') isoBoxes(b, o + 8, o + size, out);
    o += size;
  }
  return out;
}

function segmentsOf(b) {
  if (b[0] === 0xff) return jpegSegments(b);
  if (b[0] === 0x89) return pngChunks(b);
  if (String.fromCharCode(...b.subarray(0, 4)) === 'RIFF') return riffChunks(b);
  if (String.fromCharCode(...b.subarray(4, 8)) === 'ftyp') return isoBoxes(b);
  return []; // GIF: the byte-level mutators only
}

/** Recomputes a PNG chunk's CRC so the mutation reaches the decoder rather than its CRC check. */
function fixPngCrc(b, start) {
  const length = ((b[start] << 24) | (b[start + 1] << 16) | (b[start + 2] << 8) | b[start + 3]) >>> 0;
  const crc = crc32(b.subarray(start + 4, start + 8 + length));
  new DataView(b.buffer, b.byteOffset).setUint32(start + 8 + length, crc);
}

const EXTREMES16 = [0, 1, 2, 255, 256, 16383, 16384, 65000, 65535];
const EXTREMES32 = [0, 1, 16384, 60000, 65536, 2 ** 31 - 1, 2 ** 32 - 1];

// --- mutators: each takes the seed bytes and a generator, returns new bytes --------------------

export const MUTATORS = {
  bitflip(b, r) {
    const out = b.slice();
    for (let i = 0, n = 1 + r.int(8); i < n; i++) out[r.int(out.length)] ^= 1 << r.int(8);
    return out;
  },
  bytes(b, r) {
    const out = b.slice();
    for (let i = 0, n = 1 + r.int(16); i < n; i++)
      out[r.int(out.length)] = r.pick([0x00, 0xff, 0x7f, 0x80, r.int(256)]);
    return out;
  },
  truncate(b, r) {
    return b.slice(0, r.int(b.length));
  },
  insert(b, r) {
    const at = r.int(b.length);
    const junk = Uint8Array.from({ length: 1 + r.int(64) }, () => r.int(256));
    return concat([b.subarray(0, at), junk, b.subarray(at)]);
  },
  header(b, r) {
    const out = b.slice();
    const view = new DataView(out.buffer);
    if (out[0] === 0xff) {
      const sof = jpegSegments(out).find((s) => [0xc0, 0xc1, 0xc2].includes(s.marker));
      if (!sof) return out;
      const field = r.pick(['height', 'width', 'components', 'precision', 'sampling']);
      if (field === 'height') view.setUint16(sof.start + 5, r.pick(EXTREMES16));
      if (field === 'width') view.setUint16(sof.start + 7, r.pick(EXTREMES16));
      if (field === 'components') out[sof.start + 9] = r.pick([0, 1, 2, 3, 4, 255]);
      if (field === 'precision') out[sof.start + 4] = r.pick([0, 1, 12, 16, 255]);
      if (field === 'sampling') out[sof.start + 11] = r.pick([0x00, 0x44, 0x41, 0xff, 0x12]);
    } else if (out[0] === 0x89) {
      const field = r.pick(['width', 'height', 'depth', 'colour', 'interlace']);
      if (field === 'width') view.setUint32(16, r.pick(EXTREMES32));
      if (field === 'height') view.setUint32(20, r.pick(EXTREMES32));
      if (field === 'depth') out[24] = r.pick([0, 1, 2, 3, 7, 8, 16, 255]);
      if (field === 'colour') out[25] = r.pick([0, 1, 2, 3, 4, 5, 6, 7, 255]);
      if (field === 'interlace') out[28] = r.pick([0, 1, 2, 255]);
      fixPngCrc(out, 8);
    } else if (out.length > 30) {
      const chunk = String.fromCharCode(...out.subarray(12, 16));
      if (chunk === 'VP8X') {
        out[20] = r.pick([0x00, 0x02, 0x10, 0x12, 0xff]);
        out[24 + r.int(6)] = r.pick([0, 0xff, r.int(256)]);
      } else if (chunk === 'VP8 ') {
        view.setUint16(26, r.pick(EXTREMES16), true);
        view.setUint16(28, r.pick(EXTREMES16), true);
      } else {
        out[21 + r.int(4)] = r.int(256);
      }
    }
    return out;
  },
  duplicate(b, r) {
    const segments = segmentsOf(b);
    if (!segments.length) return b.slice();
    const s = r.pick(segments);
    return concat([b.subarray(0, s.end), b.subarray(s.start, s.end), b.subarray(s.end)]);
  },
  reorder(b, r) {
    const segments = segmentsOf(b);
    if (segments.length < 2) return b.slice();
    const i = r.int(segments.length - 1);
    const [x, y] = [segments[i], segments[i + 1]];
    return concat([
      b.subarray(0, x.start),
      b.subarray(y.start, y.end),
      b.subarray(x.start, x.end),
      b.subarray(y.end),
    ]);
  },
  // Huge counts, nested boxes and sizes disagreeing with data (scripts/avif-hostile.mjs).
  'avif-hostile': avifHostile,
  // Hostile files written from scratch, whatever the seed (scripts/hostile-images.mjs): header sizes
  // that disagree with the data, huge counts, chunk and extension floods.
  'png-hostile': (_b, r) => pngHostile(r),
  'gif-hostile': (_b, r) => gifHostile(r),
};

/** Mutator families that only make sense on some seeds: the prefix of those seeds' names. */
const SEEDS_OF = { 'avif-hostile': 'avif' };

/** The `index`-th case of a seeded run: which seed, which mutator, which request. */
export function makeCase(seeds, seed, index) {
  const r = random(seed * 1_000_003 + index);
  let source = r.pick(seeds);
  const mutator = r.pick(Object.keys(MUTATORS));
  const prefix = SEEDS_OF[mutator];
  if (prefix && !source.name.startsWith(prefix))
    source = r.pick(seeds.filter((s) => s.name.startsWith(prefix)));
  const bytes = MUTATORS[mutator](source.bytes, r);
  const query = r.pick([
    'width=40',
    'width=64&height=64',
    'height=30&format=webp',
    'width=50&format=png',
    'width=20&fit=contain',
    'width=90&quality=30',
  ]);
  return { index, seed: source.name, mutator, bytes, query };
}

/**
 * Runs one case through `attempt` (which resolves to an image description or rejects) and
 * classifies it. `isTyped(error)` tells a typed refusal from a crash.
 */
export async function classify(attempt, isTyped, hangMs = 2000) {
  const started = performance.now();
  let outcome;
  let detail = '';
  try {
    await attempt();
    outcome = 'image';
  } catch (error) {
    outcome = isTyped(error) ? 'refused' : 'crash';
    detail = isTyped(error) ? error.code : String(error?.stack ?? error);
  }
  const ms = performance.now() - started;
  if (ms > hangMs) outcome = 'hang';
  return { outcome, detail, ms };
}
