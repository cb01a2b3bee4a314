/**
 * JPEG decoding through Debian's libjpeg-turbo, built by wasm/build.mjs with arithmetic decoding and
 * wasm SIMD, and driven by our glue (wasm/jpeg-decode.c). Its scaled IDCT decodes straight to 1/2,
 * 1/4 or 1/8 of the size ("shrink-on-load"): when the output is much smaller than the original, most
 * of the decode and resample work is never done. CMYK and YCCK come out as CMYK with the embedded ICC
 * profile, for the colour engine.
 */
import wasm from '../../wasm/build/jpeg-decode.wasm';
import { ResizerError } from '../core/errors.js';
import type { Size } from '../core/geometry.js';
import { type ResizeKernel, resizeSlot, startResize } from './resize.js';
import { isSrgbProfile } from './srgb-profile.js';
import type { DecodedImage, DecodeOptions, Decoder, ResizedDecode } from './types.js';
import { callGlue, type WasiCodec, wasiCodecSlot } from './wasi.js';
import type { WasmSlot } from './wasm-slot.js';

interface JpegDecoder extends WasiCodec {
  jd_alloc(size: number): number;
  jd_free(pointer: number): void;
  jd_decode(input: number, size: number, shrink: number): number;
  jd_release(result: number): void;
  jd_open(input: number, size: number, shrink: number, bandRows: number): number;
  jd_start(rows: number): void;
  jd_read(rows: number): number;
  jd_close(rows: number): void;
}

/** Rows per band between the decoder and the resampler (the resampler takes as many at a time). */
const BAND_ROWS = 16;

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
    throw damaged();
  }
  return image;
}

function damaged(): ResizerError {
  return new ResizerError('corrupt-input', 'Damaged JPEG: data missing or corrupt (libjpeg-turbo warning)');
}

/**
 * Decoder.decodeResized for JPEG: libjpeg-turbo's rows go to the resampler sixteen at a time. Both
 * modules are driven in one synchronous stretch (WasmSlot.useNow), so no other request runs on
 * either in between.
 */
export async function decodeJpegResized(
  bytes: Uint8Array,
  { shrink = 1, failOn = 'warning' }: DecodeOptions,
  expected: Size,
  target: Size,
): Promise<ResizedDecode | undefined> {
  while (!jpegDecoderSlot.ready || !resizeSlot.ready)
    await Promise.all([jpegDecoderSlot.get(), resizeSlot.get()]);
  const streamed = resizeSlot.useNow('codec-failure', (kernel) =>
    jpegDecoderSlot.useNow('corrupt-input', (jd) => stream(jd, kernel, bytes, shrink, expected, target)),
  );
  if (streamed?.warnings && failOn === 'warning') {
    streamed.image.release();
    throw damaged();
  }
  return streamed;
}

function stream(
  jd: JpegDecoder,
  kernel: ResizeKernel,
  bytes: Uint8Array,
  shrink: number,
  expected: Size,
  target: Size,
): (ResizedDecode & { warnings: number }) | undefined {
  let clock = 0;
  const input = jd.jd_alloc(bytes.length);
  if (!input) throw new Error('out of memory');
  let rows = 0;
  try {
    new Uint8Array(jd.memory.buffer).set(bytes, input);
    rows = jd.jd_open(input, bytes.length, shrink, BAND_ROWS);
    const fields = () => new Uint32Array(jd.memory.buffer, rows, 7);
    const [width = 0, height = 0, cmyk = 0, , , icc = 0, iccLength = 0] = fields();
    // Colour management comes before resampling: such images are decoded whole (decodeJpeg), found
    // from the header alone (starting a progressive JPEG decodes every scan).
    if (cmyk || (iccLength && !isSrgbProfile(new Uint8Array(jd.memory.buffer, icc, iccLength))))
      return undefined;
    if (width !== expected.width || height !== expected.height)
      throw new ResizerError(
        'corrupt-input',
        `Header says ${expected.width}x${expected.height}, pixels are ${width}x${height}`,
      );
    jd.jd_start(rows);
    const band = fields()[4] ?? 0;
    let resizeMs = 0;
    clock = performance.now();
    const resizing = resizeSlot.guard('codec-failure', () =>
      startResize(kernel, { width, height }, target, false),
    );
    resizeMs += performance.now() - clock;
    const stride = width * 4;
    for (let done = 0; done < height; ) {
      const read = jd.jd_read(rows);
      if (read === 0) throw new ResizerError('corrupt-input', `JPEG ended after ${done} of ${height} rows`);
      clock = performance.now();
      const pixels = new Uint8Array(jd.memory.buffer, band, read * stride);
      resizeSlot.guard('codec-failure', () => resizing.feed(pixels, read));
      resizeMs += performance.now() - clock;
      done += read;
    }
    clock = performance.now();
    const image = resizeSlot.guard('codec-failure', () => resizing.finish());
    resizeMs += performance.now() - clock;
    return { image, resizeMs, warnings: fields()[3] ?? 0 };
  } finally {
    if (rows) jd.jd_close(rows);
    jd.jd_free(input);
  }
}

export const jpegDecoder: Decoder = {
  decode: decodeJpeg,
  decodeResized: decodeJpegResized,
  shrinksOnLoad: true,
};
