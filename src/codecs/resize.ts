/**
 * Resampling through our own kernel (wasm/resize.c): separable Lanczos3 with WebAssembly SIMD,
 * streaming rows so its memory stays a few rows. Opaque images in 14-bit fixed point, as libvips
 * resamples 8-bit images; images with alpha in floats, premultiplied. 10 KB of WebAssembly.
 */
import wasm from '../../wasm/build/resize.wasm';
import type { RawImage } from '../core/pixels.js';
import { kernelSlot } from './wasm-slot.js';

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
    const input = kernel.begin(image.width, image.height, width, height, options.alpha ? 1 : 0);
    if (input === 0)
      throw new Error(`no memory to resize ${image.width}x${image.height} to ${width}x${height}`);
    // The source streams through a band of a few rows (the whole image when it has alpha): it never
    // sits whole in the kernel's memory, whose fresh pages cost page faults on a cold start.
    const band = kernel.band_rows();
    const rowBytes = image.width * 4;
    const source = image.data;
    const heap = new Uint8Array(kernel.memory.buffer);
    for (let y = 0; y < image.height; y += band) {
      const rows = Math.min(band, image.height - y);
      heap.set(source.subarray(y * rowBytes, (y + rows) * rowBytes), input);
      if (kernel.feed(rows) !== rows) throw new Error(`the resampler refused rows ${y} to ${y + rows}`);
    }
    // Lent until the next resize, which starts over the kernel's memory (and revokes it first).
    return resizeSlot.lendImage(kernel.memory, kernel.run(), width, height);
  });
}
