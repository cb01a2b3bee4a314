/**
 * The slot for the one Emscripten-built codec we still take from jSquash, its AVIF encoder (libavif
 * with libaom). Its factory accepts an `instantiateWasm` hook, which we use to hand over our compiled
 * module: no fetch, no filesystem, and calling the factory again yields a fresh instance after a trap.
 */
import { WasmSlot, type WasmSource } from './wasm-slot.js';

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
