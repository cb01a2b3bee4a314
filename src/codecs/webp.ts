/**
 * WebP through Debian's libwebp 1.2.4 with its security fixes (CVE-2023-4863 among them), built by
 * wasm/build.mjs as two modules, a decoder and an encoder, driven by our glue (wasm/webp.c).
 */
import decoderWasm from '../../wasm/build/webp-decode.wasm';
import encoderWasm from '../../wasm/build/webp-encode.wasm';
import type { Decoder, Encoder } from './types.js';
import { callGlue, type WasiCodec, wasiCodecSlot } from './wasi.js';
import type { WasmSlot } from './wasm-slot.js';

interface LibWebp extends WasiCodec {
  wp_alloc(size: number): number;
  wp_free(pointer: number): void;
  wp_release(result: number): void;
}

interface LibWebpDecoder extends LibWebp {
  wp_decode(input: number, size: number, width: number, height: number): number;
}

interface LibWebpEncoder extends LibWebp {
  wp_encode(rgba: number, width: number, height: number, quality: number): number;
}

export const webpDecoderSlot: WasmSlot<LibWebpDecoder> = wasiCodecSlot<LibWebpDecoder>(
  'webp decoder',
  decoderWasm,
);
export const webpEncoderSlot: WasmSlot<LibWebpEncoder> = wasiCodecSlot<LibWebpEncoder>(
  'webp encoder',
  encoderWasm,
);

function glue(api: LibWebp) {
  return { memory: api.memory, alloc: api.wp_alloc, free: api.wp_free, release: api.wp_release };
}

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

/**
 * Decodes straight to the size asked, as sharp does for WebP (libvips's `scale`): libwebp's rescaler
 * averages rows as they decode, so a 4096x4096 original never becomes a 64 MB RGBA image.
 */
export const webpDecoder: Decoder = {
  scalesOnLoad: true,
  decode: async (bytes, { size } = {}) => {
    const icc = webpIccProfile(bytes);
    return webpDecoderSlot.use('corrupt-input', (api) =>
      callGlue(
        glue(api),
        bytes,
        (input) => api.wp_decode(input, bytes.length, size?.width ?? 0, size?.height ?? 0),
        4,
        ([width = 0, height = 0, data = 0], _heap, keep) =>
          Object.assign(
            webpDecoderSlot.lendImage(api.memory, data, width, height, keep()),
            icc ? { icc } : {},
          ),
        'WebP decode failed',
      ),
    );
  },
};

export const webpEncoder: Encoder = {
  prepare: () => webpEncoderSlot.get(),
  encode: (image, { quality }) =>
    webpEncoderSlot.use('codec-failure', (api) =>
      callGlue(
        { ...glue(api), free: () => undefined }, // wp_encode frees its input itself, once imported
        image.data,
        (input) => api.wp_encode(input, image.width, image.height, quality),
        4,
        ([, , data = 0, size = 0], heap) => heap.slice(data, data + size),
        'WebP encode failed',
      ),
    ),
};
