import { deflateSync } from 'node:zlib';
import { pngChunk } from './images.js';

/**
 * PNGs on which libpng 1.6.0 to 1.6.58 (and Debian's 1.6.39 up to deb12u5) reads zlib input it no
 * longer owns when png_read_end comes straight after png_read_info (CVE-2026-46675). Each abandons
 * a compressed chunk before the image with input left over: zTXt and iTXt by inflating past every
 * limit (17 MiB of text; libpng's default is 8 MB, our glue's 16 MiB), followed by a larger tEXt
 * that frees the read buffer that input was in; iCCP with a profile that fails validation, leaving
 * the input on the handler's stack. The image itself is a valid 4x4 RGB gradient, `PIXELS`.
 */
export const PIXELS = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => (i * 37 + 11) & 255);

export function readEndReproductions(): Record<'zTXt' | 'iTXt' | 'iCCP', Uint8Array> {
  const latin1 = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, 4);
  new DataView(header.buffer).setUint32(4, 4);
  header.set([8, 2], 8); // 8-bit RGB
  const rows = new Uint8Array(4 * 13);
  for (let y = 0; y < 4; y++) rows.set(PIXELS.subarray(y * 12, y * 12 + 12), y * 13 + 1); // filter 0
  const png = (...before: Uint8Array[]) =>
    new Uint8Array(
      Buffer.concat([
        Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
        pngChunk('IHDR', header),
        ...before,
        pngChunk('IDAT', deflateSync(rows)),
        pngChunk('IEND', new Uint8Array(0)),
      ]),
    );
  const text = deflateSync(Buffer.alloc(17 << 20, 'A'));
  const larger = pngChunk(
    'tEXt',
    new Uint8Array([...latin1('Comment\0'), ...new Uint8Array(64 << 10).fill(66)]),
  );
  const profile = Buffer.from(Array.from({ length: 4000 }, (_, i) => ((i * 2654435761) >>> 13) & 255));
  profile.writeUInt32BE(profile.length, 0); // a plausible length, then a header that fails the checks
  return {
    zTXt: png(pngChunk('zTXt', new Uint8Array([...latin1('Comment\0\0'), ...text])), larger),
    iTXt: png(pngChunk('iTXt', new Uint8Array([...latin1('Comment\0\x01\0\0\0'), ...text])), larger),
    iCCP: png(pngChunk('iCCP', new Uint8Array([...latin1('profile\0\0'), ...deflateSync(profile)]))),
  };
}
