/**
 * Instantiation of the codecs we build from Debian's sources against wasi-libc (wasm/build.mjs).
 * They never touch files or the environment, but wasi-libc links a few WASI calls anyway (stdio
 * behind libjpeg's default message printer, getenv in its memory manager): the environment is empty
 * and any other call is a bug, so it throws. Fatal codec errors arrive through `env.fail` with a
 * message and throw too; the slot then discards the instance.
 */
import { WasmOutOfMemory, WasmSlot, type WasmSource } from './wasm-slot.js';

export interface WasiCodec {
  memory: WebAssembly.Memory;
  _initialize(): void;
}

/** The NUL-terminated string at `pointer` (empty when unterminated). */
export function readCString(memory: WebAssembly.Memory, pointer: number): string {
  const bytes = new Uint8Array(memory.buffer, pointer);
  return new TextDecoder().decode(bytes.subarray(0, Math.max(0, bytes.indexOf(0))));
}

export function wasiCodecSlot<T extends WasiCodec>(name: string, source: WasmSource): WasmSlot<T> {
  return new WasmSlot<T>(
    name,
    source,
    async (module) => {
      let memory: WebAssembly.Memory | undefined;
      const unexpected = (call: string) => () => {
        throw new Error(`${name} made an unexpected WASI call: ${call}`);
      };
      const emptyEnvironment = (count: number, size: number) => {
        const view = new DataView((memory as WebAssembly.Memory).buffer);
        view.setUint32(count, 0, true);
        view.setUint32(size, 0, true);
        return 0;
      };
      const wasi: Record<string, (...args: never[]) => number> = {};
      for (const { module: from, name: call } of WebAssembly.Module.imports(module)) {
        if (from === 'wasi_snapshot_preview1') wasi[call] = unexpected(call);
      }
      wasi.environ_sizes_get = emptyEnvironment;
      wasi.environ_get = () => 0;
      wasi.fd_prestat_get = () => 8; // EBADF: no preopened folders (wasi-libc asks at start-up)
      // The clock reads the epoch: LittleCMS stamps the profiles it makes in memory, and nothing
      // the codecs produce may depend on the time.
      wasi.clock_time_get = (_id: number, _precision: number, time: number) => {
        new DataView((memory as WebAssembly.Memory).buffer).setBigUint64(time, 0n, true);
        return 0;
      };
      const imports = {
        env: {
          fail: (message: number) => {
            throw new Error(readCString(memory as WebAssembly.Memory, message));
          },
          out_of_memory: () => {
            const size = (memory as WebAssembly.Memory).buffer.byteLength;
            throw new WasmOutOfMemory(`${name} ran out of memory at ${size} bytes`);
          },
        },
        wasi_snapshot_preview1: wasi,
      };
      const instance = await WebAssembly.instantiate(module, imports);
      const api = instance.exports as unknown as T;
      memory = api.memory;
      api._initialize();
      return api;
    },
    { memory: (api) => api.memory },
  );
}

/** How one glue function's memory is managed: its input buffer and its result struct. */
export interface GlueCall {
  memory: WebAssembly.Memory;
  alloc(size: number): number;
  free(pointer: number): void;
  release(result: number): void;
}

/**
 * One call into our C glue: `bytes` copied into the module, `call` given their address and returning
 * a result struct (0: `failure`), `read` given that struct's first `words` 32-bit fields and the heap.
 * The input is freed whatever happens, and the result too unless `read` keeps it: `keep()` returns
 * the function that releases it later (for pixels lent out through the slot).
 */
export function callGlue<R>(
  glue: GlueCall,
  bytes: Uint8Array,
  call: (input: number) => number,
  words: number,
  read: (fields: Uint32Array, heap: Uint8Array, keep: () => () => void) => R,
  failure = 'the codec gave no result',
): R {
  const input = glue.alloc(bytes.length);
  if (!input) throw new Error('out of memory');
  let result = 0;
  let kept = false;
  try {
    new Uint8Array(glue.memory.buffer).set(bytes, input);
    result = call(input);
    if (!result) throw new Error(failure);
    const keep = () => {
      const release = glue.release;
      const struct = result;
      kept = true;
      return () => release(struct);
    };
    return read(new Uint32Array(glue.memory.buffer, result, words), new Uint8Array(glue.memory.buffer), keep);
  } finally {
    if (result && !kept) glue.release(result);
    glue.free(input);
  }
}
