/**
 * RGBA8 pixel operations that run after resampling, on the small output: orientation, crop, pad and
 * flatten. Each returns a new image and leaves its input untouched.
 */
import type { Rect, Size } from './geometry.js';

export interface RawImage extends Size {
  /** RGBA, 4 bytes per pixel, row-major, no padding. */
  readonly data: Uint8Array;
  /**
   * Present when the pixels are lent by a WebAssembly module (codecs/wasm-slot.ts) rather than
   * owned: gives them back. Reading `data` after that throws.
   */
  release?(): void;
}

function pixels32(image: RawImage): Uint32Array {
  const { data } = image;
  // Uint32 views need 4-byte alignment; copy the rare unaligned view.
  const aligned = data.byteOffset % 4 === 0 ? data : data.slice();
  return new Uint32Array(aligned.buffer, aligned.byteOffset, image.width * image.height);
}

function fromPixels32(pixels: Uint32Array, width: number, height: number): RawImage {
  return { data: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength), width, height };
}

/** Size after applying EXIF orientation: 5-8 swap the sides. */
export function orientedSize(size: Size, orientation: number): Size {
  return orientation >= 5
    ? { width: size.height, height: size.width }
    : { width: size.width, height: size.height };
}

/**
 * Applies EXIF orientation 1-8 so the result is upright. For each output pixel (x, y) of the upright
 * image, the source pixel is found through the orientation's inverse mapping.
 */
export function orient(image: RawImage, orientation: number): RawImage {
  if (orientation <= 1 || orientation > 8) return image;
  const src = pixels32(image);
  const { width: sw, height: sh } = image;
  const { width: dw, height: dh } = orientedSize(image, orientation);
  const dst = new Uint32Array(dw * dh);
  // Source index = x * ax + y * ay + base, for output pixel (x, y).
  let ax: number;
  let ay: number;
  let base: number;
  switch (orientation) {
    case 2: // mirrored horizontally
      [ax, ay, base] = [-1, sw, sw - 1];
      break;
    case 3: // rotated 180
      [ax, ay, base] = [-1, -sw, sw * sh - 1];
      break;
    case 4: // mirrored vertically
      [ax, ay, base] = [1, -sw, (sh - 1) * sw];
      break;
    case 5: // transposed
      [ax, ay, base] = [sw, 1, 0];
      break;
    case 6: // rotated 90 clockwise to display
      [ax, ay, base] = [-sw, 1, (sh - 1) * sw];
      break;
    case 7: // transversed
      [ax, ay, base] = [-sw, -1, sh * sw - 1];
      break;
    default: // 8: rotated 90 counter-clockwise to display
      [ax, ay, base] = [sw, -1, sw - 1];
  }
  for (let y = 0, i = 0; y < dh; y++) {
    let s = base + y * ay;
    for (let x = 0; x < dw; x++, i++, s += ax) dst[i] = src[s] as number;
  }
  return fromPixels32(dst, dw, dh);
}

export function crop(image: RawImage, rect: Rect): RawImage {
  const row = image.width * 4;
  const out = new Uint8Array(rect.width * rect.height * 4);
  for (let y = 0; y < rect.height; y++) {
    const start = (rect.top + y) * row + rect.left * 4;
    out.set(image.data.subarray(start, start + rect.width * 4), y * rect.width * 4);
  }
  return { data: out, width: rect.width, height: rect.height };
}

/** Places the image at (left, top) of a canvas filled with one RGBA colour. */
export function pad(
  image: RawImage,
  canvas: Rect,
  background: readonly [number, number, number, number],
): RawImage {
  const out = new Uint8Array(canvas.width * canvas.height * 4);
  const fill = new Uint8Array(background);
  const fill32 = new Uint32Array(fill.buffer)[0] as number;
  new Uint32Array(out.buffer).fill(fill32);
  const row = image.width * 4;
  for (let y = 0; y < image.height; y++) {
    out.set(image.data.subarray(y * row, (y + 1) * row), ((canvas.top + y) * canvas.width + canvas.left) * 4);
  }
  return { data: out, width: canvas.width, height: canvas.height };
}

export function isOpaque(image: RawImage): boolean {
  const { data } = image;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return false;
  return true;
}

/** Composites onto an opaque RGB background (for outputs without alpha). */
export function flatten(image: RawImage, background: readonly [number, number, number]): RawImage {
  const { data } = image;
  const out = new Uint8Array(data.length);
  const [br, bg, bb] = background;
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3] as number;
    const inv = 255 - a;
    out[i] = ((data[i] as number) * a + br * inv + 127) / 255;
    out[i + 1] = ((data[i + 1] as number) * a + bg * inv + 127) / 255;
    out[i + 2] = ((data[i + 2] as number) * a + bb * inv + 127) / 255;
    out[i + 3] = 255;
  }
  return { data: out, width: image.width, height: image.height };
}

/**
 * A 2x2 mosaic of `tile`-sized squares taken from the centres of the image's quadrants, or
 * undefined when the image is not much larger than the mosaic (sampling would not save work).
 */
export function sampleTiles(image: RawImage, tile: number): RawImage | undefined {
  if (image.width < tile * 4 || image.height < tile * 4) return undefined;
  const out = new Uint8Array(tile * 2 * tile * 2 * 4);
  const mosaic = { data: out, width: tile * 2, height: tile * 2 };
  for (const [qx, qy] of [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ] as const) {
    const left = Math.floor(((qx * 2 + 1) * image.width) / 4 - tile / 2);
    const top = Math.floor(((qy * 2 + 1) * image.height) / 4 - tile / 2);
    const piece = crop(image, { left, top, width: tile, height: tile });
    for (let y = 0; y < tile; y++) {
      out.set(
        piece.data.subarray(y * tile * 4, (y + 1) * tile * 4),
        ((qy * tile + y) * tile * 2 + qx * tile) * 4,
      );
    }
  }
  return mosaic;
}
