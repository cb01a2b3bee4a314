import type { RawImage } from '../core/pixels.js';
import type { LentImage } from './wasm-slot.js';

export type { RawImage };

/**
 * A decoder's output: RGBA, or CMYK (4 bytes per pixel, 0 = no ink) for CMYK and YCCK JPEGs, with
 * the embedded ICC profile when there is one. The colour engine turns it into sRGB RGBA.
 */
export interface DecodedImage extends RawImage {
  space?: 'cmyk';
  icc?: Uint8Array;
  /**
   * The decoder found every pixel's alpha to be 255 (PNG checks as it decodes): the resampler can
   * take it as opaque, streaming it in bands through its fixed-point pass, without scanning it.
   */
  opaque?: boolean;
}

export interface EncodeOptions {
  /** 1-100; ignored by lossless encoders. */
  quality: number;
}

export interface DecodeOptions {
  /**
   * Largest factor the decoder may shrink by while decoding (1, 2, 4 or 8); decoders that cannot
   * shrink on load ignore it. The result is then ceil(width / shrink) x ceil(height / shrink).
   */
  shrink?: 1 | 2 | 4 | 8;
  /**
   * `warning` (the default, as sharp's failOn): recoverable damage that the decoder reports (data
   * ending early, corrupt segments) rejects with `corrupt-input`; `error`: only fatal errors do.
   */
  failOn?: 'warning' | 'error';
  /**
   * For decoders that scale while decoding (`scalesOnLoad`): the size to decode straight to, in
   * stored (pre-orientation) sides.
   */
  size?: { width: number; height: number };
}

/** What `decodeResized` gives: the image at the target size, and the time spent resampling. */
export interface ResizedDecode {
  image: LentImage;
  resizeMs: number;
}

export interface Decoder {
  decode(bytes: Uint8Array, options?: DecodeOptions): Promise<DecodedImage>;
  /**
   * Decodes straight into the resampler, a band of rows at a time, so the decoded image never sits
   * whole in memory; for an opaque image going to `target` (stored sides) from `expected` (the size
   * the decoder gives, from the header). Undefined when the pixels need colour management first (the
   * caller then decodes them whole).
   */
  decodeResized?(
    bytes: Uint8Array,
    options: DecodeOptions,
    expected: { width: number; height: number },
    target: { width: number; height: number },
  ): Promise<ResizedDecode | undefined>;
  /** Whether `shrink` is honoured. */
  readonly shrinksOnLoad?: boolean;
  /** Whether `size` is honoured (any size, not only 1/2, 1/4, 1/8). */
  readonly scalesOnLoad?: boolean;
}

export interface Encoder {
  encode(image: RawImage, options: EncodeOptions): Promise<Uint8Array>;
  /** Starts compiling and instantiating the module, so that work overlaps decoding. */
  prepare(): Promise<unknown>;
}
