#!/usr/bin/env node
// Draws the sample images that `npm start` serves. Everything is generated here (SVG scenes rendered
// by sharp, plus seeded noise for a photographic texture): no third-party photos. Run it only to
// change the samples; the output is committed.
import { mkdirSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';

const out = new URL('../samples/', import.meta.url);
mkdirSync(out, { recursive: true });

/** Deterministic noise (mulberry32), so regenerating gives the same files. */
function noise(width, height, amplitude, seed = 7) {
  let a = seed;
  const rand = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = 128 + (rand() - 0.5) * amplitude;
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

function landscapeSvg(width, height) {
  const ridges = [0.55, 0.65, 0.78]
    .map((base, i) => {
      const points = [];
      for (let step = 0; step <= 24; step++) {
        const x = (step * width) / 24;
        const y =
          height * base + Math.sin(x / (90 + i * 40) + i) * height * 0.06 + Math.cos(x / 37) * height * 0.015;
        points.push(`${x.toFixed(0)},${y.toFixed(0)}`);
      }
      const shade = ['#4b6a88', '#2f5d50', '#1d3b2a'][i];
      return `<polygon fill="${shade}" points="0,${height} ${points.join(' ')} ${width},${height}"/>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
    <stop offset="0" stop-color="#f6b26b"/><stop offset="0.6" stop-color="#fbe3c2"/><stop offset="1" stop-color="#9fc5e8"/>
  </linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#sky)"/>
  <circle cx="${width * 0.72}" cy="${height * 0.32}" r="${height * 0.09}" fill="#fff4d6"/>
  ${ridges}
  <g stroke="#fff" stroke-opacity="0.35" stroke-width="2">${Array.from({ length: 12 }, (_, i) => `<line x1="${(i * width) / 12}" y1="${height * 0.9}" x2="${width / 2}" y2="${height * 0.75}"/>`).join('')}</g>
</svg>`;
}

async function photo(width, height) {
  const grain = await noise(width, height, 28);
  return sharp(Buffer.from(landscapeSvg(width, height)))
    .composite([{ input: grain, blend: 'soft-light' }])
    .removeAlpha();
}

// A wide landscape photo-like JPEG.
await (await photo(1600, 1067))
  .jpeg({ quality: 85, mozjpeg: true })
  .toFile(new URL('landscape.jpg', out).pathname);

// A portrait stored sideways with EXIF orientation 6: upright only when orientation is applied.
const portrait = await (await photo(900, 1200)).png().toBuffer();
await sharp(portrait)
  .rotate(270)
  .jpeg({ quality: 85 })
  .withMetadata({ orientation: 6 })
  .toFile(new URL('portrait-exif6.jpg', out).pathname);

// A PNG with transparency: overlapping translucent shapes.
const badge = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800">
  <circle cx="300" cy="320" r="220" fill="#e06666" fill-opacity="0.85"/>
  <circle cx="500" cy="320" r="220" fill="#6fa8dc" fill-opacity="0.75"/>
  <circle cx="400" cy="500" r="220" fill="#93c47d" fill-opacity="0.75"/>
  <rect x="360" y="60" width="80" height="680" rx="40" fill="#333" fill-opacity="0.6"/>
</svg>`;
await sharp(Buffer.from(badge)).png({ compressionLevel: 9 }).toFile(new URL('badge-alpha.png', out).pathname);

// A WebP of a tiled pattern.
const tiles = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800">${Array.from(
  { length: 96 },
  (_, i) => {
    const x = (i % 12) * 100;
    const y = Math.floor(i / 12) * 100;
    const hue = (i * 37) % 360;
    return `<rect x="${x}" y="${y}" width="100" height="100" fill="hsl(${hue},55%,60%)"/><circle cx="${x + 50}" cy="${y + 50}" r="${20 + (i % 5) * 6}" fill="hsl(${(hue + 180) % 360},60%,45%)"/>`;
  },
).join('')}</svg>`;
await sharp(Buffer.from(tiles)).webp({ quality: 80 }).toFile(new URL('tiles.webp', out).pathname);

// Inputs that are served as they are: a vector image and a GIF.
writeFileSync(
  new URL('vector.svg', out),
  `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 24 24"><path fill="#3d85c6" d="M12 2 2 22h20z"/></svg>\n`,
);
await sharp(Buffer.from(badge)).resize(200).gif().toFile(new URL('small.gif', out).pathname);

console.log('samples written to', out.pathname);
