/**
 * AVIF through libavif 1.0.1 with libaom 3.7.0 (encoding and decoding), the jSquash builds, with our
 * glue.
 * Both modules are large (3.5 MB and 1.2 MB of WebAssembly), so they load only when a request needs
 * them; the Lambda@Edge bundle keeps them in files beside index.mjs (scripts/edge-bundle.mjs).
 */
import decoderFactory from '@jsquash/avif/codec/dec/avif_dec.js';
import decoderWasm from '@jsquash/avif/codec/dec/avif_dec.wasm';
import encoderFactory from '@jsquash/avif/codec/enc/avif_enc.js';
import encoderWasm from '@jsquash/avif/codec/enc/avif_enc.wasm';
import { defaultOptions } from '@jsquash/avif/meta.js';
import { type EmscriptenImage, emscriptenSlot, toRawImage } from './emscripten.js';
import type { Decoder, Encoder } from './types.js';
import type { WasmSlot } from './wasm-slot.js';

type AvifOptions = typeof defaultOptions;

interface LibAvifEncoder {
  encode(data: Uint8Array, width: number, height: number, options: AvifOptions): Uint8Array | null;
}

interface LibAvifDecoder {
  decode(data: Uint8Array, bitDepth: 8): EmscriptenImage | null;
}

export const avifEncoderSlot: WasmSlot<LibAvifEncoder> = emscriptenSlot<LibAvifEncoder>(
  'avif encoder',
  encoderWasm,
  encoderFactory as never,
);
export const avifDecoderSlot: WasmSlot<LibAvifDecoder> = emscriptenSlot<LibAvifDecoder>(
  'avif decoder',
  decoderWasm,
  decoderFactory as never,
);

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

export const avifEncoder: Encoder = {
  prepare: () => avifEncoderSlot.get(),
  encode: (image, { quality }) =>
    avifEncoderSlot.use('codec-failure', (api) => {
      const out = api.encode(image.data, image.width, image.height, {
        ...defaultOptions,
        quality: avifQuality(quality),
        speed: AVIF_SPEED,
      });
      if (!out) throw new Error('AVIF encode failed');
      return out;
    }),
};

export const avifDecoder: Decoder = {
  decode: (bytes) => avifDecoderSlot.use('corrupt-input', (api) => toRawImage(api.decode(bytes, 8), 'AVIF')),
};
