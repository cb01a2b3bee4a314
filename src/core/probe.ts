/**
 * Format sniffing from magic bytes and a header probe that reads dimensions (and, for JPEG, EXIF
 * orientation and component count) without decoding pixels, so limits are decided before any
 * allocation. Written by hand rather than taken from a package: it must also report what the
 * decoders cannot take (CMYK JPEG, animation), and every read is bounds-checked.
 */
import { isResizerError, ResizerError } from './errors.js';
import { fileBrands, type HeifAvif, type HeifImage, parseAvif } from './heif.js';
import type { InputFormat } from './options.js';

export interface ImageInfo {
  format: InputFormat;
  width: number;
  height: number;
  /** EXIF orientation 1-8 (1 when absent or not applicable). */
  orientation: number;
  /** Colour components (JPEG: 1 grey, 3 YCbCr, 4 CMYK/YCCK). */
  components?: number;
  progressive?: boolean;
  interlaced?: boolean;
  bitDepth?: number;
  hasAlpha?: boolean;
  animated?: boolean;
  /**
   * What the decoder allocates, when more than width x height: an AVIF's frames before its clap
   * crops them, a grid's whole canvas of tiles (or its alpha's, when larger). The limits count it.
   */
  coded?: { width: number; height: number };
  /**
   * Pixels the decoder works through when that is more than width x height: a GIF frame larger
   * than its logical screen is decoded whole (and clipped), so it counts against the limits.
   */
  decodedPixels?: number;
}

/** Media types of the inputs we recognise, for serving an original as it is. */
export const INPUT_MIME_TYPES: Record<InputFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  svg: 'image/svg+xml',
};

export function sniffFormat(bytes: Uint8Array): InputFormat | undefined {
  const at = (offset: number, text: string) => ascii(bytes, offset, text.length) === text;
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (at(0, '\x89PNG\r\n\x1a\n')) return 'png';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'webp';
  if (at(0, 'GIF87a') || at(0, 'GIF89a')) return 'gif';
  if (at(4, 'ftyp') && isAvifFtyp(bytes)) return 'avif';
  if (looksLikeSvg(bytes)) return 'svg';
  return undefined;
}

export function probe(bytes: Uint8Array): ImageInfo {
  const format = sniffFormat(bytes);
  switch (format) {
    case 'jpeg':
      return probeJpeg(bytes);
    case 'png':
      return probePng(bytes);
    case 'webp':
      return probeWebp(bytes);
    case 'gif':
      return probeGif(bytes);
    case 'avif':
      return probeAvif(bytes);
    case 'svg':
      return { format, width: 0, height: 0, orientation: 1 };
    default:
      throw new ResizerError('unsupported-input', 'Unrecognised image format');
  }
}

/** Bytes below which an unrecognised start may still be a format whose signature is further in (SVG). */
export const MIN_SNIFF_BYTES = 1024;

/**
 * Whether a failure to probe or plan from the first `seen` bytes of an original may only mean that
 * the header is not all there yet: the per-format parsers report a cut header as `corrupt-input`
 * (or, for a structure they walk, a thrown range error), and a short start may not show its
 * signature. A complete original, or any other refusal, is final.
 */
export function needsMoreBytes(error: unknown, seen: number, complete: boolean): boolean {
  if (complete) return false;
  if (!isResizerError(error)) return true;
  if (error.code === 'corrupt-input') return true;
  return error.code === 'unsupported-input' && seen < MIN_SNIFF_BYTES;
}

/** An ISOBMFF file whose major brand, or a compatible brand, is AVIF's (still or sequence). */
function isAvifFtyp(bytes: Uint8Array): boolean {
  return fileBrands(bytes).some((brand) => brand === 'avif' || brand === 'avis');
}

function corrupt(what: string): ResizerError {
  return new ResizerError('corrupt-input', `Corrupt header: ${what}`);
}

function checkSize(info: ImageInfo): ImageInfo {
  if (!(info.width > 0 && info.height > 0))
    throw corrupt(`${info.format} dimensions ${info.width}x${info.height}`);
  return info;
}

// --- JPEG: walk marker segments up to the first SOF, collecting EXIF orientation on the way.

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function probeJpeg(bytes: Uint8Array): ImageInfo {
  let offset = 2;
  let orientation = 1;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) throw corrupt('jpeg marker expected');
    const marker = bytes[offset + 1] as number;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // standalone marker
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // EOI or SOS before any frame header
    const length = u16be(bytes, offset + 2);
    if (length < 2) throw corrupt('jpeg segment length');
    const body = offset + 4;
    if (marker === 0xe1 && ascii(bytes, body, 6) === 'Exif\0\0') {
      orientation = exifOrientation(bytes.subarray(body + 6, offset + 2 + length)) ?? orientation;
    } else if (SOF_MARKERS.has(marker)) {
      if (body + 6 > bytes.length) throw corrupt('truncated jpeg frame header');
      return checkSize({
        format: 'jpeg',
        bitDepth: bytes[body] as number,
        height: u16be(bytes, body + 1),
        width: u16be(bytes, body + 3),
        components: bytes[body + 5] as number,
        progressive: marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce,
        orientation,
      });
    }
    offset += 2 + length;
  }
  throw corrupt('jpeg frame header not found');
}

/** Orientation tag (0x0112) of IFD0 in a TIFF structure, or undefined when absent or malformed. */
export function exifOrientation(tiff: Uint8Array): number | undefined {
  const order = ascii(tiff, 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  const u16 = (o: number) => (little ? u16le(tiff, o) : u16be(tiff, o));
  const u32 = (o: number) =>
    little ? u16le(tiff, o) + u16le(tiff, o + 2) * 0x10000 : u16be(tiff, o) * 0x10000 + u16be(tiff, o + 2);
  if (tiff.length < 8 || u16(2) !== 42) return undefined;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return undefined;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

// --- PNG: IHDR is the first chunk; scan chunks before IDAT for acTL (animation).

function probePng(bytes: Uint8Array): ImageInfo {
  if (bytes.length < 33 || ascii(bytes, 12, 4) !== 'IHDR') throw corrupt('png IHDR missing');
  const colorType = bytes[25] as number;
  let animated = false;
  let hasAlpha = colorType === 4 || colorType === 6;
  // Chunk types compared as numbers: a flood of small chunks is walked in a few milliseconds.
  for (let offset = 33, chunks = 0; offset + 8 <= bytes.length; chunks++) {
    if (chunks > MAX_PNG_CHUNKS_BEFORE_IMAGE)
      throw corrupt(`png with over ${MAX_PNG_CHUNKS_BEFORE_IMAGE} chunks before IDAT`);
    const type = u32be(bytes, offset + 4);
    if (type === PNG_IDAT || type === PNG_IEND) break;
    if (type === PNG_acTL) animated = true;
    if (type === PNG_tRNS) hasAlpha = true;
    offset += 12 + u32be(bytes, offset);
  }
  return checkSize({
    format: 'png',
    width: u32be(bytes, 16),
    height: u32be(bytes, 20),
    bitDepth: bytes[24] as number,
    interlaced: bytes[28] === 1,
    hasAlpha,
    animated,
    orientation: 1,
  });
}

/**
 * Chunks between IHDR and IDAT, at most. Real files hold a few dozen; libpng reads through each one
 * (200,000 empty chunks took it 75-130 ms), so a flood past this count is refused from the header.
 */
export const MAX_PNG_CHUNKS_BEFORE_IMAGE = 1 << 16;

const chunkType = (name: string) => [...name].reduce((n, c) => n * 256 + c.charCodeAt(0), 0);
const PNG_IDAT = chunkType('IDAT');
const PNG_IEND = chunkType('IEND');
const PNG_acTL = chunkType('acTL');
const PNG_tRNS = chunkType('tRNS');

// --- WebP: lossy (VP8), lossless (VP8L) or extended (VP8X) first chunk.

function probeWebp(bytes: Uint8Array): ImageInfo {
  const chunk = ascii(bytes, 12, 4);
  const d = 20; // chunk payload
  if (chunk === 'VP8 ' && bytes.length >= d + 10) {
    if (bytes[d + 3] !== 0x9d || bytes[d + 4] !== 0x01 || bytes[d + 5] !== 0x2a)
      throw corrupt('webp VP8 start code');
    return checkSize({
      format: 'webp',
      width: u16le(bytes, d + 6) & 0x3fff,
      height: u16le(bytes, d + 8) & 0x3fff,
      orientation: 1,
      hasAlpha: false,
    });
  }
  if (chunk === 'VP8L' && bytes.length >= d + 5) {
    if (bytes[d] !== 0x2f) throw corrupt('webp VP8L signature');
    const bits = u16le(bytes, d + 1) + u16le(bytes, d + 3) * 0x10000;
    return checkSize({
      format: 'webp',
      width: (bits & 0x3fff) + 1,
      height: ((bits >>> 14) & 0x3fff) + 1,
      orientation: 1,
      hasAlpha: ((bits >>> 28) & 1) === 1,
    });
  }
  if (chunk === 'VP8X' && bytes.length >= d + 10) {
    const flags = bytes[d] as number;
    return checkSize({
      format: 'webp',
      width: u24le(bytes, d + 4) + 1,
      height: u24le(bytes, d + 7) + 1,
      orientation: 1,
      hasAlpha: (flags & 0x10) !== 0,
      animated: (flags & 0x02) !== 0,
    });
  }
  throw corrupt('webp chunk');
}

// --- AVIF (HEIF): the primary item's size and orientation, whether it has an alpha item; the
// brand avis marks an image sequence, which is served unchanged (without a still primary item it
// has no size to read).

function probeAvif(bytes: Uint8Array): ImageInfo {
  const animated = fileBrands(bytes)[0] === 'avis';
  let avif: HeifAvif;
  try {
    avif = parseAvif(bytes);
  } catch (error) {
    if (animated) throw new ResizerError('unsupported-input', 'AVIF image sequence');
    throw error;
  }
  const { width, height } = avif.crop ?? avif.colour;
  const coded = [avif.colour, avif.alpha].map(codedSize).reduce((a, b) => (area(b) > area(a) ? b : a));
  return checkSize({
    format: 'avif',
    width,
    height,
    orientation: avif.orientation,
    hasAlpha: !!avif.alpha,
    animated,
    ...(area(coded) > width * height ? { coded } : {}),
  });
}

/** The canvas of coded frames an AVIF image (or its alpha) decodes to, before any clap. */
function codedSize(image: HeifImage | undefined) {
  if (!image) return { width: 0, height: 0 };
  const { rows, columns } = image.grid ?? { rows: 1, columns: 1 };
  return { width: image.tile.width * columns, height: image.tile.height * rows };
}

const area = ({ width, height }: { width: number; height: number }) => width * height;

// --- GIF: the logical screen, then a walk over the blocks to count frames, find transparency and
// size every frame descriptor: giflib decodes a frame whole, whatever the screen, so the largest
// frame counts against the limits. The walk moves forward at least one byte a step (bounded by the
// file's bytes) and stores nothing.

function probeGif(bytes: Uint8Array): ImageInfo {
  const info = checkSize({ format: 'gif', width: u16le(bytes, 6), height: u16le(bytes, 8), orientation: 1 });
  const packed = bytes[10] ?? 0;
  let at = 13 + ((packed & 0x80) !== 0 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  let frames = 0;
  let transparent = false;
  let decodedPixels = 0;
  const walk = { blocks: 0 };
  while (at < bytes.length) {
    const block = bytes[at];
    if (block === 0x3b) break; // trailer
    if (block === 0x21) {
      // Graphic control extension: bit 0 of its packed byte says the frame has a transparent index.
      if (bytes[at + 1] === 0xf9 && ((bytes[at + 3] ?? 0) & 1) === 1) transparent = true;
      at = skipSubBlocks(bytes, at + 2, walk);
    } else if (block === 0x2c) {
      if (at + 10 > bytes.length) break; // cut short: the decoder will say so
      frames++;
      const [left, top] = [u16le(bytes, at + 1), u16le(bytes, at + 3)];
      const [width, height] = [u16le(bytes, at + 5), u16le(bytes, at + 7)];
      // giflib refuses a frame without pixels.
      if (width === 0 || height === 0) throw corrupt(`gif frame ${width}x${height}`);
      decodedPixels = Math.max(decodedPixels, width * height);
      // A frame that leaves part of the screen uncovered leaves it transparent.
      if (left > 0 || top > 0 || width < info.width || height < info.height) transparent = true;
      const local = bytes[at + 9] ?? 0;
      at = skipSubBlocks(bytes, at + 10 + ((local & 0x80) !== 0 ? 3 * 2 ** ((local & 7) + 1) : 0) + 1, walk); // + LZW code size
    } else {
      break; // damaged: the decoder will say so
    }
  }
  return {
    ...info,
    hasAlpha: transparent,
    animated: frames > 1,
    ...(decodedPixels > info.width * info.height ? { decodedPixels } : {}),
  };
}

/**
 * Sub-blocks in one GIF, at most. Encoders write 255-byte blocks (32 MiB of input holds 130,000 of
 * them); only a file built to cost time holds a million (8 million one-byte comment blocks took the
 * decoder 0.5 s to read through), so past this count the walk stops and the file is refused.
 */
export const MAX_GIF_SUB_BLOCKS = 1 << 20;

/** The offset after a chain of sub-blocks starting at `at`, counted into `walk`. */
function skipSubBlocks(bytes: Uint8Array, at: number, walk: { blocks: number }): number {
  const end = bytes.length;
  let offset = at;
  while (offset < end) {
    const size = bytes[offset] as number;
    if (size === 0) break;
    if (++walk.blocks > MAX_GIF_SUB_BLOCKS) throw corrupt(`gif with over ${MAX_GIF_SUB_BLOCKS} sub-blocks`);
    offset += size + 1;
  }
  return offset + 1;
}

// --- SVG: text that opens with an XML declaration, doctype or <svg element.

function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = new TextDecoder('utf-8', { fatal: false })
    .decode(bytes.subarray(0, 1024))
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  if (head.startsWith('<svg')) return true;
  return (
    (head.startsWith('<?xml') || head.startsWith('<!doctype svg') || head.startsWith('<!--')) &&
    head.includes('<svg')
  );
}

// --- bounds-checked readers: out of range reads yield 0, which the callers reject as corrupt.

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  if (offset + length > bytes.length) return '';
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function u16be(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
}

function u16le(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}

function u24le(b: Uint8Array, o: number): number {
  return u16le(b, o) | ((b[o + 2] ?? 0) << 16);
}

function u32be(b: Uint8Array, o: number): number {
  return u16be(b, o) * 0x10000 + u16be(b, o + 2);
}
