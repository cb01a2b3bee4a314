/**
 * Slots for the Emscripten-built codecs of jSquash (libavif with libaom). Their factories accept an
 * `instantiateWasm` hook, which we use to hand over our compiled module: no fetch, no filesystem,
 * and calling the factory again yields a fresh instance after a trap.
 * Note: on Node and Workers these factories define `globalThis.ImageData` when it is missing,
 * because their C++ side constructs ImageData objects; our code reads only `data/width/height`.
 */
import { WasmSlot, type WasmSource } from './wasm-slot.js';

export interface EmscriptenImage {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

type Factory<T> = (options: Record<string, unknown>) => Promise<T>;

export function emscriptenSlot<T extends object>(
  name: string,
  wasm: WasmSource,
  factory: Factory<T>,
): WasmSlot<T> {
  // The Emscripten module object does not expose its memory; catch it as the instance is made.
  const memories = new WeakMap<T, WebAssembly.Memory>();
  return new WasmSlot(
    name,
    wasm,
    async (module) => {
      let memory: WebAssembly.Memory | undefined;
      const api = await factory({
        noInitialRun: true,
        // libwebp prints warnings about recoverable damage; the outcome already says it.
        print: () => {},
        printErr: () => {},
        instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void) {
          const instance = new WebAssembly.Instance(module, imports);
          memory = Object.values(instance.exports).find((value) => value instanceof WebAssembly.Memory);
          receive(instance);
          return instance.exports;
        },
      });
      if (memory) memories.set(api, memory);
      return api;
    },
    { memory: (api) => memories.get(api) },
  );
}

/** A byte view of a decoded image, checked against its claimed size. */
export function toRawImage(image: EmscriptenImage | null | undefined, codec: string) {
  if (!image || image.data.length !== image.width * image.height * 4)
    throw new Error(`${codec} decode failed`);
  const { data, width, height } = image;
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}
