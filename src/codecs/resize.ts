/**
 * Resampling through squoosh's resize kernel (Rust, from @jsquash/resize), driven by our own glue:
 * the module imports nothing, and owning the glue lets a trapped instance be replaced.
 */
import wasm from '@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm';
import type { RawImage } from '../core/pixels.js';
import { WasmSlot } from './wasm-slot.js';

interface ResizeExports {
  memory: WebAssembly.Memory;
  resize(
    retptr: number,
    ptr: number,
    len: number,
    inWidth: number,
    inHeight: number,
    outWidth: number,
    outHeight: number,
    filter: number,
    premultiply: number,
    linearRgb: number,
  ): void;
  __wbindgen_add_to_stack_pointer(delta: number): number;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
}

/** Filter indices of the kernel. */
const FILTERS = { triangle: 0, catrom: 1, mitchell: 2, lanczos3: 3 } as const;
export type Filter = keyof typeof FILTERS;

export const resizeSlot = new WasmSlot('resize', wasm, async (module) => {
  const instance = await WebAssembly.instantiate(module, {});
  return instance.exports as unknown as ResizeExports;
});

export interface ResizeOptions {
  filter?: Filter;
  /** Premultiply alpha while filtering, so transparent pixels do not bleed colour. */
  premultiply?: boolean;
  /** Filter in linear light (slower; sharp does not by default). */
  linear?: boolean;
}

export function resize(
  image: RawImage,
  width: number,
  height: number,
  options: ResizeOptions = {},
): Promise<RawImage> {
  const { filter = 'lanczos3', premultiply = true, linear = false } = options;
  return resizeSlot.use('codec-failure', (api) => {
    const retptr = api.__wbindgen_add_to_stack_pointer(-16);
    try {
      const inPtr = api.__wbindgen_malloc(image.data.length, 1);
      new Uint8Array(api.memory.buffer).set(image.data, inPtr);
      api.resize(
        retptr,
        inPtr,
        image.data.length,
        image.width,
        image.height,
        width,
        height,
        FILTERS[filter],
        premultiply ? 1 : 0,
        linear ? 1 : 0,
      );
      const [outPtr = 0, outLen = 0] = new Int32Array(api.memory.buffer, retptr, 2);
      if (outLen !== width * height * 4) throw new Error(`resize returned ${outLen} bytes`);
      // Copy out before freeing: the next call may grow (and detach) the memory.
      const data = new Uint8Array(api.memory.buffer, outPtr, outLen).slice();
      api.__wbindgen_free(outPtr, outLen, 1);
      return { data, width, height };
    } finally {
      api.__wbindgen_add_to_stack_pointer(16);
    }
  });
}
