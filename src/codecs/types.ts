import type { RawImage } from '../core/pixels.js';

export type { RawImage };

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
}

export interface Decoder {
  decode(bytes: Uint8Array, options?: DecodeOptions): Promise<RawImage>;
  /** Whether `shrink` is honoured. */
  readonly shrinksOnLoad?: boolean;
}

export interface Encoder {
  encode(image: RawImage, options: EncodeOptions): Promise<Uint8Array>;
  /** Starts compiling and instantiating the module, so that work overlaps decoding. */
  prepare(): Promise<unknown>;
}
