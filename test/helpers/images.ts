/**
 * Test images made on the fly with sharp (a devDependency), and perceptual comparison: SSIM
 * (ssim.js) and a 64-bit difference hash, as sharp's own golden tests compare images.
 */
import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { ssim } from 'ssim.js';

export interface Decoded {
  data: Uint8ClampedArray;
  width: number;
  height: number;
  format: string | undefined;
  channels: number;
}

/** Decodes any image to RGBA with sharp, without applying orientation. */
export async function decode(bytes: Uint8Array): Promise<Decoded> {
  const meta = await sharp(bytes).metadata();
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    format: meta.format,
    channels: meta.channels ?? 0,
  };
}

/**
 * Mean SSIM of two images of one size, both composited onto mid grey first: transparency counts
 * through the colour it shows, and the undefined colour of fully transparent pixels does not.
 */
export async function similarity(a: Uint8Array, b: Uint8Array): Promise<number> {
  const flat = async (bytes: Uint8Array) =>
    decode(new Uint8Array(await sharp(bytes).flatten({ background: '#808080' }).png().toBuffer()));
  const [x, y] = await Promise.all([flat(a), flat(b)]);
  if (x.width !== y.width || x.height !== y.height) {
    throw new Error(`size mismatch: ${x.width}x${x.height} vs ${y.width}x${y.height}`);
  }
  return ssim(x, y).mssim;
}

/** 64-bit difference hash of the image's luminance, as a bit string. */
export async function dhash(bytes: Uint8Array): Promise<string> {
  const grey = await sharp(bytes)
    .flatten({ background: '#fff' })
    .greyscale()
    .resize(9, 8, { fit: 'fill' })
    .raw()
    .toBuffer();
  let bits = '';
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++)
      bits += (grey[y * 9 + x] as number) < (grey[y * 9 + x + 1] as number) ? '1' : '0';
  }
  return bits;
}

export function hamming(a: string, b: string): number {
  let distance = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) distance++;
  return distance;
}

/** A deterministic, photo-like scene (gradients, shapes, grain) as an RGB sharp pipeline. */
export function scene(width: number, height: number, seed = 1): Sharp {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#${(0x305070 + seed * 0x112233).toString(16).slice(-6)}"/><stop offset="1" stop-color="#f0c080"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width * 0.3}" cy="${height * 0.4}" r="${Math.min(width, height) * 0.2}" fill="#c04040"/>
    <rect x="${width * 0.55}" y="${height * 0.5}" width="${width * 0.3}" height="${height * 0.3}" fill="#2060a0" transform="rotate(12 ${width * 0.7} ${height * 0.65})"/>
    <g stroke="#fff" stroke-width="${Math.max(1, width / 400)}">${Array.from({ length: 20 }, (_, i) => `<line x1="0" y1="${(i * height) / 20}" x2="${width}" y2="${((i + 3) * height) / 20}"/>`).join('')}</g>
  </svg>`;
  return sharp(Buffer.from(svg)).removeAlpha();
}

/** An upright test card whose quadrants have distinct colours: red, green / blue, yellow. */
export function quadrants(width: number, height: number): Sharp {
  const w = width / 2;
  const h = height / 2;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="${w}" height="${h}" fill="#f00"/><rect x="${w}" width="${w}" height="${h}" fill="#0f0"/>
    <rect y="${h}" width="${w}" height="${h}" fill="#00f"/><rect x="${w}" y="${h}" width="${w}" height="${h}" fill="#ff0"/>
  </svg>`;
  return sharp(Buffer.from(svg)).removeAlpha();
}

/** RGB at a fractional position of a decoded image. */
export function colourAt(image: Decoded, fx: number, fy: number): [number, number, number] {
  const x = Math.min(image.width - 1, Math.floor(fx * image.width));
  const y = Math.min(image.height - 1, Math.floor(fy * image.height));
  const i = (y * image.width + x) * 4;
  return [image.data[i] as number, image.data[i + 1] as number, image.data[i + 2] as number];
}

export async function toBytes(pipeline: Sharp): Promise<Uint8Array> {
  return new Uint8Array(await pipeline.toBuffer());
}

/** The pipeline's pixels as RGBA8: the raw image our codecs and kernels take. */
export async function rawRgba(pipeline: Sharp): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** A PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const body = new Uint8Array([...new TextEncoder().encode(type), ...data]);
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(body, 4);
  view.setUint32(8 + data.length, crc32(body));
  return out;
}

/** CIE L*a*b* (D65) of 8-bit sRGB. */
function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const linear = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const [R, G, B] = [linear(r), linear(g), linear(b)];
  const x = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
  const y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/**
 * Colour difference of two decoded images of one size, as CIE76 ΔE over their RGB: the mean over all
 * pixels, and the worst mean over any 3x3 region (a local shift that the mean would hide).
 */
export function deltaE(a: Decoded, b: Decoded): { mean: number; worst3x3: number } {
  if (a.width !== b.width || a.height !== b.height)
    throw new Error(`size mismatch: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  const { width, height } = a;
  const per = new Float64Array(width * height);
  let sum = 0;
  for (let i = 0; i < per.length; i++) {
    const p = i * 4;
    const x = srgbToLab(a.data[p] as number, a.data[p + 1] as number, a.data[p + 2] as number);
    const y = srgbToLab(b.data[p] as number, b.data[p + 1] as number, b.data[p + 2] as number);
    per[i] = Math.hypot(x[0] - y[0], x[1] - y[1], x[2] - y[2]);
    sum += per[i] as number;
  }
  let worst = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      let local = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) local += per[(y + dy) * width + x + dx] as number;
      worst = Math.max(worst, local / 9);
    }
  }
  return { mean: sum / per.length, worst3x3: worst };
}
