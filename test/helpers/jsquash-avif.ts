/**
 * A reference AVIF encoder for tests: jSquash's build of libavif 1.0.1 with libaom 3.7.0 writes what
 * ours does not (10 and 12 bits, 4:4:4, 4:2:2, lossless with the identity matrix), to check our
 * decoder on it. Its Emscripten factory takes our compiled module through `instantiateWasm`.
 */
import encoderFactory from '@jsquash/avif/codec/enc/avif_enc.js';
import encoderWasm from '@jsquash/avif/codec/enc/avif_enc.wasm';
import { WasmSlot, type WasmSource } from '../../src/codecs/wasm-slot.js';

type Factory<T> = (options: Record<string, unknown>) => Promise<T>;

function emscriptenSlot<T extends object>(name: string, wasm: WasmSource, factory: Factory<T>): WasmSlot<T> {
  // The Emscripten module object does not expose its memory; catch it as the instance is made.
  const memories = new WeakMap<T, WebAssembly.Memory>();
  return new WasmSlot(
    name,
    wasm,
    async (module) => {
      let memory: WebAssembly.Memory | undefined;
      const api = await factory({
        noInitialRun: true,
        // Nothing it prints is for the user: the outcome already says it.
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

interface JsquashAvifEncoder {
  encode(
    data: Uint8Array,
    width: number,
    height: number,
    options: Record<string, unknown>,
  ): Uint8Array | null;
}

export const referenceAvifEncoder: WasmSlot<JsquashAvifEncoder> = emscriptenSlot<JsquashAvifEncoder>(
  'reference avif encoder',
  encoderWasm,
  encoderFactory as never,
);
