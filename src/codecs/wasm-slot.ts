/**
 * One lazily initialised WebAssembly module and its current instance. Compilation happens once per
 * source and is memoised; a failed compile or instantiation is not cached, so the next call retries;
 * an instance that threw (a trap, an allocation failure) is discarded and the next call gets a fresh
 * one, because a trapped module's memory and stack can no longer be trusted. WebAssembly memories
 * never shrink, so an instance whose memory grew past 128 MiB (one huge image) is dropped after
 * its call rather than holding that memory for the life of the process.
 */
import { type ErrorCode, ResizerError } from '../core/errors.js';

export type WasmSource =
  | WebAssembly.Module
  | Uint8Array<ArrayBuffer>
  | ArrayBuffer
  /** Bytes read on first use: the Lambda@Edge bundle keeps rarely used modules in files beside it. */
  | (() => Promise<Uint8Array<ArrayBuffer>>);

/** Instances whose memory grew beyond this are recycled after their call. */
export const RECYCLE_ABOVE_BYTES = 128 * 1024 * 1024;

export interface SlotOptions<T> {
  /** The instance's linear memory, to recycle instances that grew too large. */
  memory?: (api: T) => WebAssembly.Memory | undefined;
  recycleAboveBytes?: number;
}

export class WasmSlot<T> {
  #source: WasmSource;
  #module: Promise<WebAssembly.Module> | undefined;
  #instance: Promise<T> | undefined;
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
    this.#instance = undefined;
    return this.get().then(() => undefined);
  }

  get(): Promise<T> {
    this.#instance ??= this.#create().catch((error: unknown) => {
      this.#instance = undefined;
      throw new ResizerError('codec-failure', `Could not initialise the ${this.name} module`, {
        cause: error,
      });
    });
    return this.#instance;
  }

  /** Drops the current instance; the compiled module is kept. */
  discard(): void {
    this.#instance = undefined;
  }

  /**
   * Runs `fn` against the instance. A ResizerError thrown by `fn` passes through (the codec reported
   * a clean failure); anything else means the instance is suspect: it is discarded and the failure
   * becomes a ResizerError with `failureCode`.
   */
  async use<R>(failureCode: ErrorCode, fn: (api: T) => R | Promise<R>): Promise<R> {
    const instance = this.get();
    const api = await instance;
    try {
      const result = await fn(api);
      const bytes = this.#options.memory?.(api)?.buffer.byteLength ?? 0;
      if (bytes > (this.#options.recycleAboveBytes ?? RECYCLE_ABOVE_BYTES) && this.#instance === instance)
        this.discard();
      return result;
    } catch (error) {
      if (error instanceof ResizerError) throw error;
      this.discard();
      const reason = error instanceof Error ? error.message : String(error);
      throw new ResizerError(failureCode, `${this.name} failed: ${reason}`, { cause: error });
    }
  }

  async #create(): Promise<T> {
    this.#module ??= compile(this.#source).catch((error: unknown) => {
      this.#module = undefined;
      throw error;
    });
    return this.instantiate(await this.#module);
  }
}

async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  return WebAssembly.compile(typeof source === 'function' ? await source() : source);
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
