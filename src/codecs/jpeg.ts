/** JPEG through MozJPEG (jSquash builds). */
import decoderFactory from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
import decoderWasm from '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm';
import encoderFactory from '@jsquash/jpeg/codec/enc/mozjpeg_enc.js';
import encoderWasm from '@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm';
import { defaultOptions as codecDefaults } from '@jsquash/jpeg/meta.js';
import { type EmscriptenImage, emscriptenSlot, toRawImage } from './emscripten.js';
import type { Decoder, Encoder } from './types.js';

/** The encoder's full option record (every field is required by its bindings). */
type MozJpegOptions = Record<string, number | boolean> & { quality: number };
const defaultOptions: MozJpegOptions = { ...codecDefaults };

interface MozJpegDecoder {
  decode(bytes: Uint8Array, preserveOrientation: boolean): EmscriptenImage | null;
}

interface MozJpegEncoder {
  encode(data: Uint8Array, width: number, height: number, options: MozJpegOptions): Uint8Array;
}

export const jpegDecoderSlot = emscriptenSlot<MozJpegDecoder>(
  'jpeg decoder',
  decoderWasm,
  decoderFactory as never,
);
export const jpegEncoderSlot = emscriptenSlot<MozJpegEncoder>(
  'jpeg encoder',
  encoderWasm,
  encoderFactory as never,
);

export const jpegDecoder: Decoder = {
  // Orientation is ours to apply (after resizing, on fewer pixels): the decoder leaves pixels as stored.
  decode: (bytes) =>
    jpegDecoderSlot.use('corrupt-input', (api) => toRawImage(api.decode(bytes, false), 'JPEG')),
};

export const jpegEncoder: Encoder = {
  encode: (image, { quality }) =>
    jpegEncoderSlot.use('codec-failure', (api) =>
      api.encode(image.data, image.width, image.height, { ...defaultOptions, quality }),
    ),
};
