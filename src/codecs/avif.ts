/**
 * AVIF, with codecs built by wasm/build.mjs from Debian's sources. Decoding: our HEIF reader
 * (core/heif.ts) finds the AV1 data, dav1d 1.0.0 decodes it and our glue (wasm/avif-decode.c)
 * converts to RGBA; grids are stitched here, orientation is the pipeline's (irot/imir as EXIF
 * orientation). Encoding: our glue (wasm/avif-encode.c) converts to YCbCr and libaom 3.6.0 encodes,
 * with libavif 1.0's settings for a still image; core/heif-write.ts writes the container. The
 * modules load only when a request needs them; the Lambda@Edge bundle keeps them in files beside
 * index.mjs (scripts/edge-bundle.mjs).
 */
import decoderWasm from '../../wasm/build/avif-decode.wasm';
import encoderWasm from '../../wasm/build/avif-encode.wasm';
import { ResizerError } from '../core/errors.js';
import { type HeifAvif, parseAvif } from '../core/heif.js';
import { buildAvif, concat } from '../core/heif-write.js';
import type { DecodedImage, Decoder, Encoder, RawImage } from './types.js';
import { callGlue, type WasiCodec, wasiCodecSlot } from './wasi.js';
import type { WasmSlot } from './wasm-slot.js';

interface AomGlue extends WasiCodec {
  ae_alloc(size: number): number;
  ae_free(pointer: number): void;
  ae_encode(rgba: number, width: number, height: number, quantizer: number, speed: number): number;
  ae_release(result: number): void;
}

interface Dav1dGlue extends WasiCodec {
  ad_alloc(size: number): number;
  ad_free(pointer: number): void;
  ad_decode(
    input: number,
    colourSize: number,
    alphaSize: number,
    matrix: number,
    fullRange: number,
    premultiplied: number,
    maxPixels: number,
  ): number;
  ad_release(result: number): void;
}

export const avifEncoderSlot: WasmSlot<AomGlue> = wasiCodecSlot<AomGlue>('avif encoder', encoderWasm);
export const avifDecoderSlot: WasmSlot<Dav1dGlue> = wasiCodecSlot<Dav1dGlue>('avif decoder', decoderWasm);

/**
 * libaom's speed (0 slowest - 10 fastest), chosen from measurements at the SSIM of sharp's default
 * AVIF (effort 4), over six 800 px photos: speed 7 takes 0.25x sharp's time for 1.09x its bytes;
 * 6 took 0.44x for 1.11x, 8 0.11x for 1.29x, 5 3.1x for 0.85x (bench/README.md).
 */
export const AVIF_SPEED = 7;

/**
 * Our quality scale (JPEG's) to libavif's, so that `quality=Q` gives about the SSIM a JPEG at Q
 * gives: the median over six photos of the libavif quality matching our JPEG's SSIM at speed 7
 * (`npx vite-node --config vitest.config.ts bench/avif-quality.ts`), linear between the points.
 */
const QUALITY_POINTS: [number, number][] = [
  [1, 5],
  [20, 25],
  [40, 45],
  [50, 55],
  [60, 66],
  [70, 75],
  [80, 81],
  [90, 90],
  [100, 100],
];

export function avifQuality(quality: number): number {
  for (let i = 1; i < QUALITY_POINTS.length; i++) {
    const [q0, a0] = QUALITY_POINTS[i - 1] as [number, number];
    const [q1, a1] = QUALITY_POINTS[i] as [number, number];
    if (quality <= q1) return Math.round(a0 + ((quality - q0) * (a1 - a0)) / (q1 - q0));
  }
  return 100;
}

/** libavif 1.0's quality (0-100) to libaom's quantizer (63-0), as libavif maps it. */
export function avifQuantizer(quality: number): number {
  return Math.floor(((100 - quality) * 63 + 50) / 100);
}

/** The four av1C bytes of a little-endian 32-bit word. */
const av1C = (word: number) =>
  Uint8Array.of(word & 255, (word >>> 8) & 255, (word >>> 16) & 255, word >>> 24);

/** RGBA to an AVIF file at libavif's `quality` (0-100) and libaom's `speed` (0-10). */
export function encodeAvif(
  image: RawImage,
  { quality, speed }: { quality: number; speed: number },
): Promise<Uint8Array> {
  return avifEncoderSlot.use('codec-failure', (ae) => {
    const { width, height } = image;
    const streams = callGlue(
      { memory: ae.memory, alloc: ae.ae_alloc, free: ae.ae_free, release: ae.ae_release },
      image.data,
      (input) => ae.ae_encode(input, width, height, avifQuantizer(quality), speed),
      6,
      ([colour = 0, colourSize = 0, colourConfig = 0, alpha = 0, alphaSize = 0, alphaConfig = 0], heap) => ({
        colour: heap.slice(colour, colour + colourSize),
        colourConfig: av1C(colourConfig),
        alpha: alphaSize ? heap.slice(alpha, alpha + alphaSize) : undefined,
        alphaConfig: av1C(alphaConfig),
      }),
      'AVIF encode failed',
    );
    const plane = (data: Uint8Array, config: Uint8Array) => ({
      tiles: [data],
      av1C: config,
      tileWidth: width,
      tileHeight: height,
    });
    return buildAvif({
      colour: plane(streams.colour, streams.colourConfig),
      ...(streams.alpha ? { alpha: plane(streams.alpha, streams.alphaConfig) } : {}),
      // What the glue encodes: sRGB primaries and transfer, BT.601 matrix, full range.
      nclx: { primaries: 1, transfer: 13, matrix: 6, fullRange: true },
    });
  });
}

export const avifEncoder: Encoder = {
  prepare: () => avifEncoderSlot.get(),
  encode: (image, { quality }) => encodeAvif(image, { quality: avifQuality(quality), speed: AVIF_SPEED }),
};

interface Rectangle {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * One AV1 picture (and its alpha picture) to RGBA, no larger than `maxPixels`, its part inside
 * `area` (image coordinates) copied into `out` (area-sized) straight from the module's memory: a grid
 * never holds more than its output and one tile.
 */
function decodeTile(
  ad: Dav1dGlue,
  avif: HeifAvif,
  index: number,
  maxPixels: number,
  at: { left: number; top: number },
  area: Rectangle,
  out: Uint8Array,
): void {
  const colour = avif.colour.tiles[index] as Uint8Array;
  const alpha = avif.alpha?.tiles[index] ?? new Uint8Array(0);
  const input = concat([colour, alpha]);
  const { nclx } = avif;
  const { tile } = avif.colour;
  callGlue(
    { memory: ad.memory, alloc: ad.ad_alloc, free: ad.ad_free, release: ad.ad_release },
    input,
    (pointer) =>
      ad.ad_decode(
        pointer,
        colour.length,
        alpha.length,
        nclx ? nclx.matrix : -1,
        nclx ? Number(nclx.fullRange) : -1,
        Number(avif.premultiplied),
        maxPixels,
      ),
    4,
    ([width = 0, height = 0, , data = 0], heap) => {
      if (width !== tile.width || height !== tile.height)
        throw new ResizerError(
          'corrupt-input',
          `AVIF frame of ${width}x${height} where ispe says ${tile.width}x${tile.height}`,
        );
      const left = Math.max(at.left, area.left);
      const right = Math.min(at.left + width, area.left + area.width);
      for (let y = Math.max(at.top, area.top); y < Math.min(at.top + height, area.top + area.height); y++) {
        const from = data + ((y - at.top) * width + (left - at.left)) * 4;
        out.set(
          heap.subarray(from, from + (right - left) * 4),
          ((y - area.top) * area.width + left - area.left) * 4,
        );
      }
    },
  );
}

export async function decodeAvif(bytes: Uint8Array): Promise<DecodedImage> {
  const avif = parseAvif(bytes);
  const { colour, alpha } = avif;
  if (
    alpha &&
    (alpha.tiles.length !== colour.tiles.length ||
      alpha.grid?.columns !== colour.grid?.columns ||
      alpha.tile.width !== colour.tile.width ||
      alpha.tile.height !== colour.tile.height)
  )
    throw new ResizerError('unsupported-input', 'AVIF alpha laid out differently from its image');
  const { width, height, tile } = colour;
  // Only the part shown is kept: the clap's rectangle, else the grid's output size.
  const area = avif.crop ?? { left: 0, top: 0, width, height };
  const out = new Uint8Array(area.width * area.height * 4);
  const columns = colour.grid?.columns ?? 1;
  // dav1d refuses a frame over the tile's ispe before allocating it: the probe admitted no more.
  const maxPixels = Math.min(tile.width * tile.height, 0xffffffff);
  await avifDecoderSlot.use('corrupt-input', (ad) => {
    colour.tiles.forEach((_, index) => {
      const at = { left: (index % columns) * tile.width, top: Math.floor(index / columns) * tile.height };
      decodeTile(ad, avif, index, maxPixels, at, area, out);
    });
  });
  const icc = avif.icc ? { icc: avif.icc.slice() } : {};
  return { data: out, width: area.width, height: area.height, ...icc };
}

export const avifDecoder: Decoder = { decode: decodeAvif };
