// The default bench corpus, generated (no photos are committed): photographic-looking scenes with
// grain, in the encodings the fast paths must cover. Cached in bench/.corpus.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const SPECS = [
  {
    name: 'scene-5120x2880-baseline-420.jpg',
    width: 5120,
    height: 2880,
    encode: (s) => s.jpeg({ quality: 90 }),
  },
  {
    name: 'scene-2560x1600-progressive.jpg',
    width: 2560,
    height: 1600,
    encode: (s) => s.jpeg({ quality: 90, progressive: true }),
  },
  {
    name: 'scene-2560x1600-444.jpg',
    width: 2560,
    height: 1600,
    encode: (s) => s.jpeg({ quality: 92, chromaSubsampling: '4:4:4' }),
  },
  { name: 'scene-1600x1000.png', width: 1600, height: 1000, encode: (s) => s.png() },
  { name: 'scene-4096x4096.webp', width: 4096, height: 4096, encode: (s) => s.webp({ quality: 85 }) },
  // What phones and print workflows send: the colour engine's cost, side by side with sharp's.
  {
    name: 'scene-4032x3024-p3.jpg',
    width: 4032,
    height: 3024,
    encode: (s) => s.withIccProfile('p3').jpeg({ quality: 90 }),
  },
  {
    name: 'scene-2560x1600-cmyk.jpg',
    width: 2560,
    height: 1600,
    encode: (s) => s.toColourspace('cmyk').jpeg({ quality: 90 }),
  },
];

function svg(width, height) {
  const hills = [0.55, 0.68, 0.8]
    .map((base, i) => {
      const points = Array.from({ length: 33 }, (_, k) => {
        const x = (k * width) / 32;
        const y = height * base + Math.sin(k * 0.9 + i) * height * 0.05;
        return `${x.toFixed(0)},${y.toFixed(0)}`;
      });
      return `<polygon fill="${['#587a99', '#3d6b4f', '#23412e'][i]}" points="0,${height} ${points.join(' ')} ${width},${height}"/>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#e8a865"/><stop offset="1" stop-color="#a8c8e0"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#s)"/><circle cx="${width * 0.7}" cy="${height * 0.3}" r="${height * 0.1}" fill="#fff3d0"/>${hills}</svg>`;
}

/** Deterministic grain, so the JPEGs carry photographic detail rather than flat colour. */
function grain(width, height) {
  const data = Buffer.alloc(width * height * 3);
  let state = 2463534242;
  for (let i = 0; i < data.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[i] = 128 + (((state >>> 0) & 0x3f) - 32);
  }
  return data;
}

export async function generatedCorpus(dir) {
  mkdirSync(dir, { recursive: true });
  for (const spec of SPECS) {
    const file = path.join(dir, spec.name);
    if (existsSync(file)) continue;
    const base = await sharp(Buffer.from(svg(spec.width, spec.height)))
      .removeAlpha()
      .png()
      .toBuffer();
    const textured = sharp(base).composite([
      {
        input: grain(spec.width, spec.height),
        raw: { width: spec.width, height: spec.height, channels: 3 },
        blend: 'overlay',
      },
    ]);
    await spec.encode(textured).toFile(file);
  }
  return SPECS.map((spec) => path.join(dir, spec.name));
}
