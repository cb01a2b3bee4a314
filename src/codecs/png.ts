/**
 * PNG through squoosh's Rust codec (from @jsquash/png), with our own glue: the generated glue keeps
 * its instance in module state and constructs a global ImageData, and we want neither.
 */
import wasm from '@jsquash/png/codec/pkg/squoosh_png_bg.wasm';
import type { RawImage } from '../core/pixels.js';
import type { Decoder, Encoder } from './types.js';
import { WasmSlot } from './wasm-slot.js';

interface PngExports {
  memory: WebAssembly.Memory;
  decode(ptr: number, len: number): number;
  encode(retptr: number, ptr: number, len: number, width: number, height: number, bitDepth: number): void;
  __wbindgen_add_to_stack_pointer(delta: number): number;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
}

interface PngApi {
  exports: PngExports;
  /** Objects the module handed to JS by index (wasm-bindgen's heap), here only decoded images. */
  objects: Map<number, unknown>;
}

export const pngSlot = new WasmSlot(
  'png',
  wasm,
  async (module): Promise<PngApi> => {
    const objects = new Map<number, unknown>();
    let next = 132; // wasm-bindgen reserves the lower indices for constants
    let exports: PngExports | undefined;
    const memory = () => new Uint8Array((exports as PngExports).memory.buffer);
    const keep = (value: unknown) => {
      objects.set(next, value);
      return next++;
    };
    const unsupported = () => {
      throw new Error('16-bit PNG glue is not wired');
    };
    const imports = {
      wbg: {
        __wbindgen_memory: unsupported,
        __wbg_buffer_a448f833075b71ba: unsupported,
        __wbg_newwithbyteoffsetandlength_099217381c451830: unsupported,
        __wbindgen_object_drop_ref: (index: number) => objects.delete(index),
        __wbg_newwithownedu8clampedarrayandsh_91db5987993a08fb: (
          ptr: number,
          len: number,
          w: number,
          h: number,
        ) => {
          const data = memory().slice(ptr, ptr + len);
          exports?.__wbindgen_free(ptr, len, 1);
          return keep({ data, width: w >>> 0, height: h >>> 0 } satisfies RawImage);
        },
        __wbindgen_throw: (ptr: number, len: number) => {
          throw new Error(new TextDecoder().decode(memory().subarray(ptr, ptr + len)));
        },
      },
    };
    const instance = await WebAssembly.instantiate(module, imports);
    exports = instance.exports as unknown as PngExports;
    return { exports, objects };
  },
  { memory: (api) => api.exports.memory },
);

function passBytes(api: PngExports, bytes: Uint8Array): number {
  const ptr = api.__wbindgen_malloc(bytes.length, 1);
  new Uint8Array(api.memory.buffer).set(bytes, ptr);
  return ptr;
}

export const pngDecoder: Decoder = {
  decode: (bytes) =>
    pngSlot.use('corrupt-input', ({ exports, objects }) => {
      const index = exports.decode(passBytes(exports, bytes), bytes.length);
      const image = objects.get(index) as RawImage | undefined;
      objects.delete(index);
      if (!image || image.data.length !== image.width * image.height * 4)
        throw new Error('PNG decode failed');
      return image;
    }),
};

export const pngEncoder: Encoder = {
  prepare: () => pngSlot.get(),
  encode: (image) =>
    pngSlot.use('codec-failure', ({ exports }) => {
      const retptr = exports.__wbindgen_add_to_stack_pointer(-16);
      try {
        exports.encode(
          retptr,
          passBytes(exports, image.data),
          image.data.length,
          image.width,
          image.height,
          8,
        );
        const [ptr = 0, len = 0] = new Int32Array(exports.memory.buffer, retptr, 2);
        const out = new Uint8Array(exports.memory.buffer, ptr, len).slice();
        exports.__wbindgen_free(ptr, len, 1);
        return out;
      } finally {
        exports.__wbindgen_add_to_stack_pointer(16);
      }
    }),
};
