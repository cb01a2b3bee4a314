/**
 * Static GIF decoding through Debian's giflib, built by wasm/build.mjs and driven by our glue
 * (wasm/gif-decode.c): the frame composed onto its logical screen, transparent where it is.
 */
import wasm from '../../wasm/build/gif-decode.wasm';
import type { Decoder } from './types.js';
import { callGlue, type WasiCodec, wasiCodecSlot } from './wasi.js';
import type { WasmSlot } from './wasm-slot.js';

interface GifLib extends WasiCodec {
  gd_alloc(size: number): number;
  gd_free(pointer: number): void;
  gd_decode(input: number, size: number): number;
  gd_release(result: number): void;
}

export const gifDecoderSlot: WasmSlot<GifLib> = wasiCodecSlot<GifLib>('gif decoder', wasm);

export const gifDecoder: Decoder = {
  decode: (bytes) =>
    gifDecoderSlot.use('corrupt-input', (gif) =>
      callGlue(
        { memory: gif.memory, alloc: gif.gd_alloc, free: gif.gd_free, release: gif.gd_release },
        bytes,
        (input) => gif.gd_decode(input, bytes.length),
        4,
        ([width = 0, height = 0, , data = 0], _heap, keep) =>
          gifDecoderSlot.lendImage(gif.memory, data, width, height, keep()),
      ),
    ),
};
