/**
 * JPEG decoding through libjpeg-turbo's TurboJPEG API (the @cwasm/jpeg-turbo build), driven by our
 * own glue. Its scaled IDCT decodes straight to 1/2, 1/4 or 1/8 of the size ("shrink-on-load"):
 * when the output is much smaller than the original, most of the decode and resample work is
 * never done.
 */
import wasm from '@cwasm/jpeg-turbo/jpeg-turbo.wasm';
import { ResizerError } from '../core/errors.js';
import { shrunkSize } from '../core/geometry.js';
import type { RawImage } from '../core/pixels.js';
import type { DecodeOptions, Decoder } from './types.js';
import { WasmSlot } from './wasm-slot.js';

interface TurboJpeg {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  tjInitDecompress(): number;
  tjDecompressHeader3(
    handle: number,
    buf: number,
    size: number,
    w: number,
    h: number,
    ss: number,
    cs: number,
  ): number;
  tjDecompress2(
    handle: number,
    buf: number,
    size: number,
    dst: number,
    w: number,
    pitch: number,
    h: number,
    format: number,
    flags: number,
  ): number;
  tjDestroy(handle: number): number;
}

const TJPF_RGBA = 7;
/** Caps progressive JPEGs at 500 scans, against scan-count decompression bombs. */
const TJFLAG_LIMITSCANS = 32768;

export const jpegTurboSlot = new WasmSlot(
  'jpeg decoder',
  wasm,
  async (module) => {
    let memory: WebAssembly.Memory | undefined;
    const fail = (what: string) => () => {
      throw new Error(what);
    };
    const imports = {
      env: {
        setjmp: () => 0,
        // libjpeg reports a fatal error by longjmp-ing to its setjmp; here that unwinds as an exception
        // and the slot discards the instance, whose stack pointer is then unreliable.
        longjmp: fail('corrupt JPEG data'),
      },
      wasi_snapshot_preview1: {
        environ_sizes_get: (count: number, size: number) => {
          new Uint32Array((memory as WebAssembly.Memory).buffer).fill(0, count >> 2, (count >> 2) + 1);
          new Uint32Array((memory as WebAssembly.Memory).buffer).fill(0, size >> 2, (size >> 2) + 1);
          return 0;
        },
        environ_get: () => 0,
        proc_exit: fail('libjpeg-turbo exited'),
        fd_close: fail('unexpected fd_close'),
        fd_seek: fail('unexpected fd_seek'),
        fd_write: fail('unexpected fd_write'),
      },
    };
    const instance = await WebAssembly.instantiate(module, imports);
    const api = instance.exports as unknown as TurboJpeg;
    memory = api.memory;
    return api;
  },
  { memory: (tj) => tj.memory },
);

export async function decodeJpeg(
  bytes: Uint8Array,
  { shrink = 1, failOn = 'warning' }: DecodeOptions = {},
): Promise<RawImage> {
  const { image, warned } = await jpegTurboSlot.use('corrupt-input', (tj) => {
    const input = tj.malloc(bytes.length);
    const header = tj.malloc(16);
    const handle = tj.tjInitDecompress();
    let output = 0;
    try {
      if (!input || !header || !handle) throw new Error('out of memory');
      new Uint8Array(tj.memory.buffer).set(bytes, input);
      if (
        tj.tjDecompressHeader3(handle, input, bytes.length, header, header + 4, header + 8, header + 12) !== 0
      ) {
        throw new Error('unreadable JPEG header');
      }
      const [fullWidth = 0, fullHeight = 0] = new Int32Array(tj.memory.buffer, header, 2);
      const { width, height } = shrunkSize({ width: fullWidth, height: fullHeight }, shrink);
      output = tj.malloc(width * height * 4);
      if (!output) throw new Error('out of memory');
      // Fatal errors longjmp (and throw, above). A -1 that returns normally is TurboJPEG 2.0 reporting
      // warnings: data that ends early (the rest filled with grey), damaged segments, extraneous
      // bytes. The instance is sound either way; whether the image is kept is the caller's choice.
      const status = tj.tjDecompress2(
        handle,
        input,
        bytes.length,
        output,
        width,
        width * 4,
        height,
        TJPF_RGBA,
        TJFLAG_LIMITSCANS,
      );
      const data = new Uint8Array(tj.memory.buffer, output, width * height * 4).slice();
      return { image: { data, width, height }, warned: status !== 0 };
    } finally {
      if (output) tj.free(output);
      if (handle) tj.tjDestroy(handle);
      if (header) tj.free(header);
      if (input) tj.free(input);
    }
  });
  if (warned && failOn === 'warning') {
    throw new ResizerError('corrupt-input', 'Damaged JPEG: data missing or corrupt (libjpeg-turbo warning)');
  }
  return image;
}

export const jpegTurboDecoder: Decoder = { decode: decodeJpeg, shrinksOnLoad: true };
