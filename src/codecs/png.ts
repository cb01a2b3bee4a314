/**
 * PNG through Debian's libpng and zlib, built by wasm/build.mjs and driven by our glue (wasm/png.c).
 * Decoding gives RGBA8 and the iCCP profile; encoding writes the smallest colour type that holds the
 * image exactly (grey, RGB, palette, with alpha only when some pixel is not opaque).
 */
import wasm from '../../wasm/build/png.wasm';
import type { DecodedImage, Decoder, Encoder } from './types.js';
import { type WasiCodec, wasiCodecSlot } from './wasi.js';
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

function copyIn(png: LibPng, bytes: Uint8Array): number {
  const pointer = png.png_alloc(bytes.length);
  if (!pointer) throw new Error('out of memory');
  new Uint8Array(png.memory.buffer).set(bytes, pointer);
  return pointer;
}

export const pngDecoder: Decoder = {
  decode: (bytes) =>
    pngSlot.use('corrupt-input', (png) => {
      const input = copyIn(png, bytes);
      let result = 0;
      try {
        result = png.png_decode(input, bytes.length);
        const [width = 0, height = 0, , data = 0, icc = 0, iccLength = 0] = new Uint32Array(
          png.memory.buffer,
          result,
          6,
        );
        const heap = new Uint8Array(png.memory.buffer);
        const image: DecodedImage = {
          data: heap.slice(data, data + width * height * 4),
          width,
          height,
          ...(icc && iccLength ? { icc: heap.slice(icc, icc + iccLength) } : {}),
        };
        return image;
      } finally {
        if (result) png.png_decoded_release(result);
        png.png_release(input);
      }
    }),
};

export const pngEncoder: Encoder = {
  prepare: () => pngSlot.get(),
  encode: (image) =>
    pngSlot.use('codec-failure', (png) => {
      const input = copyIn(png, image.data);
      let result = 0;
      try {
        result = png.png_encode(input, image.width, image.height, LEVEL);
        const [data = 0, size = 0] = new Uint32Array(png.memory.buffer, result, 2);
        return new Uint8Array(png.memory.buffer, data, size).slice();
      } finally {
        if (result) png.png_encoded_release(result);
        png.png_release(input);
      }
    }),
};
