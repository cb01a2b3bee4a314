/** JPEG encoding through MozJPEG (jSquash build). Decoding is libjpeg-turbo's: jpeg-turbo.ts. */
import encoderFactory from '@jsquash/jpeg/codec/enc/mozjpeg_enc.js';
import encoderWasm from '@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm';
import { defaultOptions as codecDefaults } from '@jsquash/jpeg/meta.js';
import { emscriptenSlot } from './emscripten.js';
import type { Encoder } from './types.js';

/** The encoder's full option record (every field is required by its bindings). */
type MozJpegOptions = Record<string, number | boolean> & { quality: number };
const defaultOptions: MozJpegOptions = {
  ...codecDefaults,
  // Baseline: progressive scans doubled the encode time for 0.1% fewer bytes (bench/README.md).
  progressive: false,
  // The standard (Annex K) tables that libjpeg-turbo and so sharp use: "quality 80" means the same.
  quant_table: 0,
};

interface MozJpegEncoder {
  encode(data: Uint8Array, width: number, height: number, options: MozJpegOptions): Uint8Array;
}

export const jpegEncoderSlot = emscriptenSlot<MozJpegEncoder>(
  'jpeg encoder',
  encoderWasm,
  encoderFactory as never,
);

export const jpegEncoder: Encoder = {
  prepare: () => jpegEncoderSlot.get(),
  encode: (image, { quality }) =>
    jpegEncoderSlot.use('codec-failure', (api) =>
      api.encode(image.data, image.width, image.height, { ...defaultOptions, quality }),
    ),
};
