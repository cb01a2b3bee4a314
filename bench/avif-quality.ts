// Measures what our AVIF settings mean, to choose them (npx vite-node bench/avif-quality.ts):
//  1. the libavif quality that gives the SSIM a JPEG gives at each of our quality values;
//  2. encode time and bytes at libaom speeds 5-9, against sharp's AVIF at its default effort (4), at
//     equal SSIM.
// Images: the sample photo and the bench corpus, resized to 800 px first (what a resize encodes).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ssim } from 'ssim.js';
import { avifEncoderSlot, encodeAvif } from '../src/codecs/avif.js';
import { jpegEncoder } from '../src/codecs/jpeg.js';
import type { RawImage } from '../src/codecs/types.js';

const corpus = path.resolve('bench/.corpus');
const files = [
  'samples/landscape.jpg',
  ...readdirSync(corpus)
    .filter((n) => /\.jpg$/.test(n))
    .map((n) => path.join(corpus, n)),
];

async function raw(bytes: Uint8Array | Buffer): Promise<RawImage> {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

function similarity(a: RawImage, b: RawImage): number {
  const view = (x: RawImage) => ({
    data: new Uint8ClampedArray(x.data.buffer, x.data.byteOffset, x.data.length),
    width: x.width,
    height: x.height,
  });
  return ssim(view(a), view(b)).mssim;
}

async function avif(image: RawImage, quality: number, speed: number) {
  await avifEncoderSlot.get();
  const start = performance.now();
  const out = await encodeAvif(image, { quality, speed });
  const ms = performance.now() - start;
  return { bytes: out.byteLength, ms, ssim: similarity(image, await raw(out)) };
}

const webpVsAvif: { webpMs: number; webpBytes: number; avifMs: number; avifBytes: number }[] = [];

const JPEG_QUALITIES = [20, 40, 50, 60, 70, 80, 85, 90, 95];
const AVIF_QUALITIES = [10, 20, 30, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95];
const mapping: Record<number, number[]> = {};
const speeds: Record<string, { ms: number[]; bytes: number[] }> = {};

for (const file of files) {
  const source = await raw(await sharp(readFileSync(file)).resize(800).png().toBuffer());
  // 1. quality mapping at speed 7
  const curve: [number, number][] = [];
  for (const q of AVIF_QUALITIES) curve.push([(await avif(source, q, 7)).ssim, q]);
  for (const q of JPEG_QUALITIES) {
    const target = similarity(source, await raw(await jpegEncoder.encode(source, { quality: q })));
    const above = curve.findIndex(([s]) => s >= target);
    let equivalent = 100;
    if (above === 0) equivalent = (curve[0] as [number, number])[1];
    else if (above > 0) {
      const [s0, q0] = curve[above - 1] as [number, number];
      const [s1, q1] = curve[above] as [number, number];
      equivalent = q0 + ((target - s0) * (q1 - q0)) / (s1 - s0);
    }
    mapping[q] = [...(mapping[q] ?? []), equivalent];
  }
  // 2. speed: sharp's default AVIF, then each speed at the quality giving sharp's SSIM
  const input = await sharp(source.data, { raw: { width: source.width, height: source.height, channels: 4 } })
    .png()
    .toBuffer();
  sharp.concurrency(1);
  const start = performance.now();
  const theirs = await sharp(input).avif().toBuffer();
  const sharpMs = performance.now() - start;
  const sharpSsim = similarity(source, await raw(theirs));
  const record = (name: string, ms: number, bytes: number) => {
    speeds[name] ??= { ms: [], bytes: [] };
    speeds[name].ms.push(ms);
    speeds[name].bytes.push(bytes);
  };
  record('sharp effort 4', sharpMs, theirs.byteLength);
  for (const speed of [5, 6, 7, 8, 9]) {
    let lo = 10;
    let hi = 95;
    let best = await avif(source, 50, speed);
    for (let i = 0; i < 6; i++) {
      const mid = Math.round((lo + hi) / 2);
      best = await avif(source, mid, speed);
      if (best.ssim < sharpSsim) lo = mid;
      else hi = mid;
    }
    best = await avif(source, hi, speed);
    record(`speed ${speed}`, best.ms, best.bytes);
  }
  // 3. AVIF against WebP at our default quality (80): the AVIF matching WebP's SSIM, time and bytes.
  {
    const { webpEncoder } = await import('../src/codecs/webp.js');
    await webpEncoder.encode(source, { quality: 80 }); // warm
    const t = performance.now();
    const webp = await webpEncoder.encode(source, { quality: 80 });
    const webpMs = performance.now() - t;
    const target = similarity(source, await raw(webp));
    let lo = 10;
    let hi = 95;
    for (let i = 0; i < 7; i++) {
      const mid = Math.round((lo + hi) / 2);
      if ((await avif(source, mid, 7)).ssim < target) lo = mid;
      else hi = mid;
    }
    const matched = await avif(source, hi, 7);
    webpVsAvif.push({ webpMs, webpBytes: webp.byteLength, avifMs: matched.ms, avifBytes: matched.bytes });
  }
  console.error(`${path.basename(file)} done (sharp SSIM ${sharpSsim.toFixed(4)}, ${theirs.byteLength} B)`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.log('our quality -> libavif quality at equal SSIM (median over images):');
for (const q of JPEG_QUALITIES) console.log(`  ${q} -> ${median(mapping[q] as number[]).toFixed(1)}`);
const geo = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const base = speeds['sharp effort 4'] as { ms: number[]; bytes: number[] };
console.log('\nat the SSIM of sharp default AVIF (geometric mean ratio to sharp): time, bytes');
for (const [name, { ms, bytes }] of Object.entries(speeds)) {
  const t = geo(ms.map((m, i) => m / (base.ms[i] as number)));
  const b = geo(bytes.map((m, i) => m / (base.bytes[i] as number)));
  console.log(
    `  ${name.padEnd(16)} ${t.toFixed(2)}x time (median ${median(ms).toFixed(0)} ms), ${b.toFixed(3)}x bytes`,
  );
}

console.log(
  '\nAVIF (speed 7) at the SSIM of our WebP at quality 80 (geometric mean ratio to WebP): time, bytes',
);
console.log(
  `  ${geo(webpVsAvif.map((r) => r.avifMs / r.webpMs)).toFixed(1)}x time (median ${median(webpVsAvif.map((r) => r.avifMs)).toFixed(0)} ms against ${median(webpVsAvif.map((r) => r.webpMs)).toFixed(0)} ms), ${geo(webpVsAvif.map((r) => r.avifBytes / r.webpBytes)).toFixed(3)}x bytes`,
);
