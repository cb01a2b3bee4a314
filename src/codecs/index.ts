/**
 * The codec registry: which decoder reads which input and which encoder writes which output. Nothing
 * is instantiated until a request needs it.
 */
import type { InputFormat, OutputFormat } from '../core/options.js';
import { avifDecoder, avifDecoderSlot, avifEncoder, avifEncoderSlot } from './avif.js';
import { colourSlot } from './colour.js';
import { gifDecoder, gifDecoderSlot } from './gif.js';
import { jpegEncoder, jpegEncoderSlot } from './jpeg.js';
import { jpegDecoder, jpegDecoderSlot } from './jpeg-decode.js';
import { pngDecoder, pngEncoder, pngSlot } from './png.js';
import { resizeSlot } from './resize.js';
import type { Decoder, Encoder } from './types.js';
import type { WasmSource } from './wasm-slot.js';
import { webpDecoder, webpDecoderSlot, webpEncoder, webpEncoderSlot } from './webp.js';

export { toSrgb } from './colour.js';
export { resize } from './resize.js';
export type { DecodedImage, DecodeOptions, Decoder, EncodeOptions, Encoder, RawImage } from './types.js';

const DECODERS: Partial<Record<InputFormat, Decoder>> = {
  jpeg: jpegDecoder,
  png: pngDecoder,
  webp: webpDecoder,
  gif: gifDecoder,
  avif: avifDecoder,
};
const ENCODERS: Partial<Record<OutputFormat, Encoder>> = {
  jpeg: jpegEncoder,
  png: pngEncoder,
  webp: webpEncoder,
  avif: avifEncoder,
};

export function decoderFor(format: InputFormat): Decoder | undefined {
  return DECODERS[format];
}

export function encoderFor(format: OutputFormat): Encoder | undefined {
  return ENCODERS[format];
}

const SLOTS: Record<string, { init(source: WasmSource): Promise<void>; get(): Promise<unknown> }> = {
  'jpeg-decoder': jpegDecoderSlot,
  'jpeg-encoder': jpegEncoderSlot,
  png: pngSlot,
  'webp-decoder': webpDecoderSlot,
  'webp-encoder': webpEncoderSlot,
  resize: resizeSlot,
  colour: colourSlot,
  'gif-decoder': gifDecoderSlot,
  'avif-encoder': avifEncoderSlot,
  'avif-decoder': avifDecoderSlot,
};

export type WasmModuleName =
  | 'jpeg-decoder'
  | 'jpeg-encoder'
  | 'png'
  | 'webp-decoder'
  | 'webp-encoder'
  | 'resize'
  | 'colour'
  | 'gif-decoder'
  | 'avif-encoder'
  | 'avif-decoder';

const DECODER_MODULES: Partial<Record<InputFormat, WasmModuleName>> = {
  jpeg: 'jpeg-decoder',
  png: 'png',
  webp: 'webp-decoder',
  gif: 'gif-decoder',
  avif: 'avif-decoder',
};
const ENCODER_MODULES: Record<OutputFormat, WasmModuleName> = {
  jpeg: 'jpeg-encoder',
  png: 'png',
  webp: 'webp-encoder',
  avif: 'avif-encoder',
};

/**
 * Starts compiling (on the engine's background threads) the modules a resize from `input` to `output`
 * will use, so that a cold instance compiles them while the original is still being read. Only a
 * hint: nothing waits for it, and a failure resurfaces, typed, when the module is used.
 */
export function prepareCodecs(input: InputFormat | undefined, output: OutputFormat | undefined): void {
  const names = [
    'resize' as const,
    ...(input && DECODER_MODULES[input] ? [DECODER_MODULES[input]] : []),
    ...(output ? [ENCODER_MODULES[output]] : []),
  ];
  for (const name of names) SLOTS[name]?.get().catch(() => undefined);
}

/**
 * Hands over WebAssembly for one module: a `WebAssembly.Module` compiled by the host (Workers,
 * Lambda snapshots) or bytes. Optional: every module is otherwise read (or, in tests, embedded) and
 * compiled on first use.
 */
export function initWasm(name: WasmModuleName, source: WasmSource): Promise<void> {
  const slot = SLOTS[name];
  if (!slot) return Promise.reject(new TypeError(`Unknown WebAssembly module '${name}'`));
  return slot.init(source);
}
