/**
 * JPEG decoding through Debian's libjpeg-turbo, built by wasm/build.mjs with arithmetic decoding and
 * wasm SIMD, and driven by our glue (wasm/jpeg-decode.c). Its scaled IDCT decodes straight to 1/2,
 * 1/4 or 1/8 of the size ("shrink-on-load"): when the output is much smaller than the original, most
 * of the decode and resample work is never done. CMYK and YCCK come out as CMYK with the embedded ICC
 * profile, for the colour engine.
 */
import wasm from '../../wasm/build/jpeg-decode.wasm';
import { ResizerError } from '../core/errors.js';
import type { DecodedImage, DecodeOptions, Decoder } from './types.js';
import { callGlue, type WasiCodec, wasiCodecSlot } from './wasi.js';
import type { WasmSlot } from './wasm-slot.js';

interface JpegDecoder extends WasiCodec {
  jd_alloc(size: number): number;
  jd_free(pointer: number): void;
  jd_decode(input: number, size: number, shrink: number): number;
  jd_release(result: number): void;
}

export const jpegDecoderSlot: WasmSlot<JpegDecoder> = wasiCodecSlot<JpegDecoder>('jpeg decoder', wasm);

export async function decodeJpeg(
  bytes: Uint8Array,
  { shrink = 1, failOn = 'warning' }: DecodeOptions = {},
): Promise<DecodedImage> {
  const { image, warnings } = await jpegDecoderSlot.use('corrupt-input', (jd) =>
    callGlue(
      { memory: jd.memory, alloc: jd.jd_alloc, free: jd.jd_free, release: jd.jd_release },
      bytes,
      (input) => jd.jd_decode(input, bytes.length, shrink),
      7,
      ([width = 0, height = 0, cmyk = 0, warnings = 0, data = 0, icc = 0, iccLength = 0], heap, keep) => {
        const image: DecodedImage = Object.assign(
          jpegDecoderSlot.lendImage(jd.memory, data, width, height, keep()),
          cmyk ? { space: 'cmyk' as const } : {},
          icc && iccLength ? { icc: heap.slice(icc, icc + iccLength) } : {},
        );
        return { image, warnings };
      },
    ),
  );
  // Warnings are recoverable damage: data that ends early (the rest filled with grey), damaged
  // segments, extraneous bytes. Whether the image is kept is the caller's choice, as sharp's failOn.
  if (warnings && failOn === 'warning') {
    image.release?.();
    throw new ResizerError('corrupt-input', 'Damaged JPEG: data missing or corrupt (libjpeg-turbo warning)');
  }
  return image;
}

export const jpegDecoder: Decoder = { decode: decodeJpeg, shrinksOnLoad: true };
