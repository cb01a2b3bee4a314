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

export const webpDecoder: Decoder = {
  decode: (bytes) => webpDecoderSlot.use('corrupt-input', (api) => toRawImage(api.decode(bytes), 'WebP')),
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
