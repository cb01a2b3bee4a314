/**
 * Static GIF decoding through Debian's giflib, built by wasm/build.mjs and driven by our glue
 * (wasm/gif-decode.c): the frame composed onto its logical screen, transparent where it is.
 */
import wasm from '../../wasm/build/gif-decode.wasm';
import type { Decoder } from './types.js';
import { type WasiCodec, wasiCodecSlot } from './wasi.js';
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
    gifDecoderSlot.use('corrupt-input', (gif) => {
      const input = gif.gd_alloc(bytes.length);
      if (!input) throw new Error('out of memory');
      let result = 0;
      try {
        new Uint8Array(gif.memory.buffer).set(bytes, input);
        result = gif.gd_decode(input, bytes.length);
        const [width = 0, height = 0, , data = 0] = new Uint32Array(gif.memory.buffer, result, 4);
        return { data: new Uint8Array(gif.memory.buffer, data, width * height * 4).slice(), width, height };
      } finally {
        if (result) gif.gd_release(result);
        gif.gd_free(input);
      }
    }),
};
