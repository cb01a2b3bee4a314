/**
 * PNG through Debian's libpng and zlib, built by wasm/build.mjs and driven by our glue (wasm/png.c).
 * Decoding gives RGBA8 and the iCCP profile; encoding writes the smallest colour type that holds the
 * image exactly (grey, RGB, palette, with alpha only when some pixel is not opaque).
 */
import wasm from '../../wasm/build/png.wasm';
import type { DecodedImage, Decoder, Encoder } from './types.js';
import { callGlue, type WasiCodec, wasiCodecSlot } from './wasi.js';
import type { WasmSlot } from './wasm-slot.js';

interface LibPng extends WasiCodec {
  png_alloc(size: number): number;
  png_release(pointer: number): void;
  png_decode(input: number, size: number): number;
  png_decoded_release(result: number): void;
  png_encode(rgba: number, width: number, height: number, level: number): number;
  png_encoded_release(result: number): void;
}

export const pngSlot: WasmSlot<LibPng> = wasiCodecSlot<LibPng>('png', wasm);

/** zlib's level, as sharp's default `compressionLevel`. */
const LEVEL = 6;

export const pngDecoder: Decoder = {
  decode: (bytes) =>
    pngSlot.use('corrupt-input', (png) =>
      callGlue(
        { memory: png.memory, alloc: png.png_alloc, free: png.png_release, release: png.png_decoded_release },
        bytes,
        (input) => png.png_decode(input, bytes.length),
        9,
        (
          [width = 0, height = 0, , data = 0, icc = 0, iccLength = 0, , , opaque = 0],
          heap,
          keep,
        ): DecodedImage =>
          Object.assign(
            pngSlot.lendImage(png.memory, data, width, height, keep()),
            icc && iccLength ? { icc: heap.slice(icc, icc + iccLength) } : {},
            { opaque: opaque === 1 },
          ),
      ),
    ),
};

export const pngEncoder: Encoder = {
  prepare: () => pngSlot.get(),
  encode: (image) =>
    pngSlot.use('codec-failure', (png) =>
      callGlue(
        { memory: png.memory, alloc: png.png_alloc, free: png.png_release, release: png.png_encoded_release },
        image.data,
        (input) => png.png_encode(input, image.width, image.height, LEVEL),
        2,
        ([data = 0, size = 0], heap) => heap.slice(data, data + size),
      ),
    ),
};
