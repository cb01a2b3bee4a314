/**
 * One lazily initialised WebAssembly module and its current instance. Compilation happens once per
 * source and is memoised; a failed compile or instantiation is not cached, so the next call retries;
 * an instance that threw (a trap, an allocation failure) is discarded and the next call gets a fresh
 * one, because a trapped module's memory and stack can no longer be trusted. WebAssembly memories
 * never shrink, so an instance whose memory grew past 128 MiB (one huge image) is dropped after
 * its call rather than holding that memory for the life of the process.
 */
import { type ErrorCode, ResizerError } from '../core/errors.js';
import type { RawImage } from '../core/pixels.js';

export type WasmSource =
  | WebAssembly.Module
  | Uint8Array<ArrayBuffer>
  | ArrayBuffer
  /** Bytes read on first use: the Lambda@Edge bundle keeps rarely used modules in files beside it. */
  | (() => Promise<Uint8Array<ArrayBuffer>>);

/**
 * Thrown by a module's `out_of_memory` import: an allocation failed because the module's memory is
 * at its maximum (the wall set at build, wasm/build.mjs). The call fails with `codec-failure`.
 */
export class WasmOutOfMemory extends Error {
  override readonly name = 'WasmOutOfMemory';
}

/** Instances whose memory grew beyond this are recycled after their call. */
export const RECYCLE_ABOVE_BYTES = 128 * 1024 * 1024;

export interface SlotOptions<T> {
  /** The instance's linear memory, to recycle instances that grew too large. */
  memory?: (api: T) => WebAssembly.Memory | undefined;
  recycleAboveBytes?: number;
}

/**
 * Bytes a module produced, left in its memory for the caller to read instead of copied out: a fresh
 * copy of a decoded photo costs milliseconds of page faults. They stay valid until released, or until
 * the slot's next call, which first copies them out (revokes them), so the caller never sees them
 * change. `bytes` is a view for reading now; it must not be kept across an await.
 */
export class LentBytes {
  #memory: WebAssembly.Memory | undefined;
  #copy: Uint8Array | undefined;
  readonly #pointer: number;
  readonly #length: number;
  readonly #free: () => void;

  constructor(memory: WebAssembly.Memory, pointer: number, length: number, free: () => void) {
    this.#memory = memory;
    this.#pointer = pointer;
    this.#length = length;
    this.#free = free;
  }

  get bytes(): Uint8Array {
    if (this.#copy) return this.#copy;
    if (!this.#memory) throw new Error('lent bytes read after their release');
    return new Uint8Array(this.#memory.buffer, this.#pointer, this.#length);
  }

  /** Copies the bytes out of the module and gives its memory back; `bytes` is then the copy. */
  revoke(): void {
    if (!this.#memory) return;
    const copy = this.bytes.slice();
    this.#giveBack();
    this.#copy = copy;
  }

  /** The caller is done: the module's memory is given back (or the copy dropped). */
  release(): void {
    this.#copy = undefined;
    this.#giveBack();
  }

  #giveBack(): void {
    if (!this.#memory) return;
    this.#memory = undefined;
    try {
      this.#free();
    } catch {
      // The instance trapped since and was replaced; its memory goes with it.
    }
  }
}

/** An RGBA image over lent pixels. */
export interface LentImage extends RawImage {
  release(): void;
}

export class WasmSlot<T> {
  #source: WasmSource;
  #module: Promise<WebAssembly.Module> | undefined;
  #instance: Promise<T> | undefined;
  /** The instance once `#instance` resolved, for `useNow`. */
  #ready: T | undefined;
  /** What the last call lent out: revoked before the next call runs. */
  #lent: LentBytes[] = [];
  readonly #options: SlotOptions<T>;

  constructor(
    readonly name: string,
    source: WasmSource,
    private readonly instantiate: (module: WebAssembly.Module) => Promise<T> | T,
    options: SlotOptions<T> = {},
  ) {
    this.#source = source;
    this.#options = options;
  }

  /** Replaces the module source (a host-compiled WebAssembly.Module, or bytes) and drops the instance. */
  init(source: WasmSource): Promise<void> {
    this.#source = source;
    this.#module = undefined;
    this.discard();
    return this.get().then(() => undefined);
  }

  get(): Promise<T> {
    if (this.#instance) return this.#instance;
    const instance: Promise<T> = this.#create().then(
      (api) => {
        if (this.#instance === instance) this.#ready = api;
        return api;
      },
      (error: unknown) => {
        if (this.#instance === instance) this.#instance = undefined;
        if (error instanceof ResizerError) throw error;
        throw new ResizerError('codec-failure', `Could not initialise the ${this.name} module`, {
          cause: error,
        });
      },
    );
    this.#instance = instance;
    return instance;
  }

  /** Whether `useNow` can run: the instance is there (after `get()` resolved, unless discarded since). */
  get ready(): boolean {
    return this.#ready !== undefined;
  }

  /** Drops the current instance; the compiled module is kept. */
  discard(): void {
    this.#instance = undefined;
    this.#ready = undefined;
  }

  /**
   * Runs `fn` against the instance. A ResizerError thrown by `fn` passes through (the codec reported
   * a clean failure); anything else means the instance is suspect: it is discarded and the failure
   * becomes a ResizerError with `failureCode`.
   */
  async use<R>(failureCode: ErrorCode, fn: (api: T) => R): Promise<R> {
    const instance = this.get();
    return this.#run(instance, await instance, failureCode, fn);
  }

  /**
   * `use`, synchronously, for a caller that drives two modules in one go (nothing else may run on
   * either between their calls): the instance must be `ready`. Calls into another slot's module from
   * `fn` go through that slot's `guard`, so that a failure there is that slot's.
   */
  useNow<R>(failureCode: ErrorCode, fn: (api: T) => R): R {
    const api = this.#ready;
    const instance = this.#instance;
    if (api === undefined || instance === undefined)
      throw new ResizerError(failureCode, `The ${this.name} module is not ready`);
    return this.#run(instance, api, failureCode, fn);
  }

  /** One call: the last call's loans revoked first, then `fn`, then the recycling rule. */
  #run<R>(instance: Promise<T>, api: T, failureCode: ErrorCode, fn: (api: T) => R): R {
    for (const lent of this.#lent.splice(0)) lent.revoke();
    try {
      const result = fn(api);
      this.#recycle(instance, api);
      return result;
    } catch (error) {
      throw this.#failed(failureCode, error);
    }
  }

  /** Runs one call into this slot's module from another slot's `useNow`, with this slot's failure rule. */
  guard<R>(failureCode: ErrorCode, call: () => R): R {
    try {
      return call();
    } catch (error) {
      throw this.#failed(failureCode, error);
    }
  }

  /** A ResizerError passes through (the codec reported a clean failure); anything else means the
   * instance is suspect: it is discarded and the failure becomes a ResizerError with `failureCode`. */
  #failed(failureCode: ErrorCode, error: unknown): ResizerError {
    if (error instanceof ResizerError) return error;
    this.discard();
    const reason = error instanceof Error ? error.message : String(error);
    const code = error instanceof WasmOutOfMemory ? 'codec-failure' : failureCode;
    return new ResizerError(code, `${this.name} failed: ${reason}`, { cause: error });
  }

  /** An instance whose memory grew past the threshold is dropped after its call. */
  #recycle(instance: Promise<T>, api: T): void {
    const bytes = this.#options.memory?.(api)?.buffer.byteLength ?? 0;
    if (bytes > (this.#options.recycleAboveBytes ?? RECYCLE_ABOVE_BYTES) && this.#instance === instance)
      this.discard();
  }

  /**
   * Lends `length` bytes at `pointer` in `memory` to the caller of the current `use` call; `free`
   * gives them back to the module.
   */
  lend(memory: WebAssembly.Memory, pointer: number, length: number, free: () => void = () => {}): LentBytes {
    const lent = new LentBytes(memory, pointer, length, free);
    this.#lent.push(lent);
    return lent;
  }

  /** An RGBA image over lent pixels (`lend`). */
  lendImage(
    memory: WebAssembly.Memory,
    pointer: number,
    width: number,
    height: number,
    free?: () => void,
  ): LentImage {
    const lent = this.lend(memory, pointer, width * height * 4, free);
    return {
      width,
      height,
      get data() {
        return lent.bytes;
      },
      release: () => lent.release(),
    };
  }

  async #create(): Promise<T> {
    this.#module ??= compile(this.name, this.#source).catch((error: unknown) => {
      this.#module = undefined;
      throw error;
    });
    return this.instantiate(await this.#module);
  }
}

async function compile(name: string, source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  return WebAssembly.compile(typeof source === 'function' ? await load(name, source) : source);
}

/** Reads a module kept in a file: a refusal says which permission is missing, not just "failed". */
async function load(name: string, read: () => Promise<Uint8Array<ArrayBuffer>>) {
  try {
    return await read();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = isPermissionDenied(error)
      ? "the runtime denied reading it: grant read access to edge-resizer's dist/ folder, where its .wasm files are (Deno: --allow-read=node_modules/edge-resizer/dist; Node's permission model: --allow-fs-read)"
      : 'its .wasm file must sit beside the bundle that imports it';
    throw new ResizerError('codec-unavailable', `The ${name} module could not be read: ${hint} (${reason})`, {
      cause: error,
    });
  }
}

/** Deno's NotCapable (PermissionDenied before Deno 2), Node's permission model, or the file system's. */
function isPermissionDenied(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === 'NotCapable' ||
    error.name === 'PermissionDenied' ||
    code === 'ERR_ACCESS_DENIED' ||
    code === 'EACCES'
  );
}

/** A slot for one of our own kernels (wasm/*.c): no imports, its exports are its API. */
export function kernelSlot<T extends { memory: WebAssembly.Memory }>(
  name: string,
  source: WasmSource,
): WasmSlot<T> {
  return new WasmSlot<T>(
    name,
    source,
    async (module) => {
      return (await WebAssembly.instantiate(module, {})).exports as unknown as T;
    },
    { memory: (kernel) => kernel.memory },
  );
}
