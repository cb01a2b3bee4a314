/**
 * Resampling through our own kernel (wasm/resize.c): separable Lanczos3 with WebAssembly SIMD,
 * streaming rows so its memory stays a few rows. Opaque images in 14-bit fixed point, as libvips
 * resamples 8-bit images; images with alpha in floats, premultiplied. 10 KB of WebAssembly.
 */
import wasm from '../../wasm/build/resize.wasm';
import type { Size } from '../core/geometry.js';
import type { RawImage } from '../core/pixels.js';
import { kernelSlot, type LentImage } from './wasm-slot.js';

export interface ResizeKernel {
  memory: WebAssembly.Memory;
  begin(srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number, alpha: number): number;
  band_rows(): number;
  feed(rows: number): number;
  run(): number;
}

export const resizeSlot = kernelSlot<ResizeKernel>('resize', wasm);

export interface ResizeOptions {
  /** The image has transparency: filter in premultiplied alpha so clear pixels do not bleed colour. */
  alpha?: boolean;
}

export function resize(
  image: RawImage,
  width: number,
  height: number,
  options: ResizeOptions = {},
): Promise<RawImage> {
  return resizeSlot.use('codec-failure', (kernel) => {
    // The source streams through a band of a few rows (the whole image when it has alpha): it never
    // sits whole in the kernel's memory, whose fresh pages cost page faults on a cold start.
    const resizing = startResize(kernel, image, { width, height }, options.alpha === true);
    const rowBytes = image.width * 4;
    const source = image.data;
    for (let y = 0; y < image.height; y += resizing.bandRows) {
      const rows = Math.min(resizing.bandRows, image.height - y);
      resizing.feed(source.subarray(y * rowBytes, (y + rows) * rowBytes), rows);
    }
    return resizing.finish();
  });
}

/**
 * One resize on an instantiated kernel (inside a `resizeSlot` call): the source goes in top to
 * bottom, at most `bandRows` rows per `feed`; `finish` lends the result until the next resize, which
 * starts over the kernel's memory (and revokes it first).
 */
export function startResize(kernel: ResizeKernel, from: Size, to: Size, alpha: boolean) {
  const input = kernel.begin(from.width, from.height, to.width, to.height, alpha ? 1 : 0);
  if (input === 0)
    throw new Error(`no memory to resize ${from.width}x${from.height} to ${to.width}x${to.height}`);
  let fed = 0;
  return {
    bandRows: kernel.band_rows(),
    feed(pixels: Uint8Array, rows: number): void {
      new Uint8Array(kernel.memory.buffer).set(pixels, input);
      if (kernel.feed(rows) !== rows) throw new Error(`the resampler refused rows ${fed} to ${fed + rows}`);
      fed += rows;
    },
    finish: (): LentImage => resizeSlot.lendImage(kernel.memory, kernel.run(), to.width, to.height),
  };
}
