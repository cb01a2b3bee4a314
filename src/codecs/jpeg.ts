/**
 * JPEG encoding through our own baseline encoder (wasm/jpeg-encode.c, 18 KB, SIMD128): libjpeg's quality
 * scale on the standard tables, 4:2:0 chroma as sharp by default, Huffman tables optimised per image,
 * so bytes and quality track sharp's output. Decoding is libjpeg-turbo's: jpeg-decode.ts.
 */
import wasm from '../../wasm/build/jpeg-encode.wasm';
import type { Encoder, RawImage } from './types.js';
import { kernelSlot } from './wasm-slot.js';

interface JpegEncodeKernel {
  memory: WebAssembly.Memory;
  begin(width: number, height: number): number;
  encode(quality: number, subsample: number): number;
  jpeg(): number;
}

function encodeWith(kernel: JpegEncodeKernel, image: RawImage, quality: number): Uint8Array {
  const input = kernel.begin(image.width, image.height);
  if (input === 0) throw new Error(`no memory to encode ${image.width}x${image.height}`);
  new Uint8Array(kernel.memory.buffer, input, image.data.length).set(image.data);
  const length = kernel.encode(quality, 1);
  if (length === 0) throw new Error(`no memory to encode ${image.width}x${image.height}`);
  return new Uint8Array(kernel.memory.buffer, kernel.jpeg(), length).slice();
}

export const jpegEncoderSlot = kernelSlot<JpegEncodeKernel>('jpeg encoder', wasm);

export const jpegEncoder: Encoder = {
  prepare: () => jpegEncoderSlot.get(),
  encode: (image, { quality }) =>
    jpegEncoderSlot.use('codec-failure', (kernel) => encodeWith(kernel, image, quality)),
};
