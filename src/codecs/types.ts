import type { RawImage } from '../core/pixels.js';

export type { RawImage };

export interface EncodeOptions {
  /** 1-100; ignored by lossless encoders. */
  quality: number;
}

export interface Decoder {
  decode(bytes: Uint8Array): Promise<RawImage>;
}

export interface Encoder {
  encode(image: RawImage, options: EncodeOptions): Promise<Uint8Array>;
}
