/** WebP through libwebp (jSquash builds; the SIMD encoder, which every target runtime supports). */
import decoderFactory from '@jsquash/webp/codec/dec/webp_dec.js';
import decoderWasm from '@jsquash/webp/codec/dec/webp_dec.wasm';
import encoderFactory from '@jsquash/webp/codec/enc/webp_enc_simd.js';
import encoderWasm from '@jsquash/webp/codec/enc/webp_enc_simd.wasm';
import { defaultOptions as codecDefaults } from '@jsquash/webp/meta.js';
import { type EmscriptenImage, emscriptenSlot, toRawImage } from './emscripten.js';
import type { Decoder, Encoder } from './types.js';

/** The encoder's full option record (every field is required by its bindings). */
type LibWebpOptions = Record<string, number | boolean> & { quality: number };
const defaultOptions: LibWebpOptions = { ...codecDefaults };

interface LibWebpDecoder {
  decode(bytes: Uint8Array): EmscriptenImage | null;
}

interface LibWebpEncoder {
  encode(data: Uint8Array, width: number, height: number, options: LibWebpOptions): Uint8Array | null;
}

export const webpDecoderSlot = emscriptenSlot<LibWebpDecoder>(
  'webp decoder',
  decoderWasm,
  decoderFactory as never,
);
export const webpEncoderSlot = emscriptenSlot<LibWebpEncoder>(
  'webp encoder',
  encoderWasm,
  encoderFactory as never,
);

/**
 * The ICC profile of an extended WebP (the VP8X header says it has one, in an ICCP chunk), or
 * undefined. Chunks are walked with their sizes checked against the file.
 */
export function webpIccProfile(bytes: Uint8Array): Uint8Array | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 30 || id(12) !== 'VP8X' || ((bytes[20] as number) & 0x20) === 0) return undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at + 4, true);
    if (at + 8 + size > bytes.length) return undefined;
    if (id(at) === 'ICCP') return bytes.slice(at + 8, at + 8 + size);
    at += 8 + size + (size & 1);
  }
  return undefined;
}

export const webpDecoder: Decoder = {
  decode: async (bytes) => {
    const image = await webpDecoderSlot.use('corrupt-input', (api) => toRawImage(api.decode(bytes), 'WebP'));
    const icc = webpIccProfile(bytes);
    return icc ? { ...image, icc } : image;
  },
};

export const webpEncoder: Encoder = {
  prepare: () => webpEncoderSlot.get(),
  encode: (image, { quality }) =>
    webpEncoderSlot.use('codec-failure', (api) => {
      const out = api.encode(image.data, image.width, image.height, { ...defaultOptions, quality });
      if (!out) throw new Error('WebP encode failed');
      return out;
    }),
};
