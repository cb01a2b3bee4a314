// The AVIF figure the README quotes, from one short recorded run: each photo resized to 800 px wide
// as AVIF and as WebP at the default quality, through the built library, one warm-up then RUNS
// timed calls; medians of the whole transform and of the encode stage. Writes
// bench/results/avif-time.json (then `npx biome check --write` it), which test/docs.test.ts reads to
// check the README's figure.
//   node bench/avif-time.mjs PHOTO.jpg...   (e.g. Debian's plasma-workspace-wallpapers, 2560x1600)
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { transform } from '../dist/index.js';

const RUNS = 3;
const files = process.argv.slice(2);
if (!files.length) {
  console.error('avif-time: name a few photos');
  process.exit(2);
}
const config = { formats: { webp: true, avif: true } };
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle)
    ? ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
    : (sorted[Math.floor(middle)] ?? 0);
}

async function measure(bytes, format) {
  await transform(bytes, { width: 800, format }, { config });
  const totals = [];
  const encodes = [];
  let result;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    result = await transform(bytes, { width: 800, format }, { config });
    totals.push(performance.now() - start);
    encodes.push(result.timings.encode);
  }
  return {
    warmMs: Math.round(median(totals)),
    encodeMs: Math.round(median(encodes)),
    output: `${result.width}x${result.height}`,
    outputBytes: result.data.byteLength,
  };
}

const photos = [];
for (const file of files) {
  const bytes = new Uint8Array(readFileSync(file));
  const name = path.basename(path.dirname(path.dirname(path.dirname(file)))) || path.basename(file);
  const avif = await measure(bytes, 'avif');
  const webp = await measure(bytes, 'webp');
  photos.push({ image: name, bytes: bytes.byteLength, avif, webp });
  console.error(
    `${name}: AVIF ${avif.warmMs} ms (encode ${avif.encodeMs}), WebP ${webp.warmMs} ms (encode ${webp.encodeMs})`,
  );
}
const summary = {
  avifWarmMedianMs: median(photos.map((p) => p.avif.warmMs)),
  avifEncodeMedianMs: median(photos.map((p) => p.avif.encodeMs)),
  webpWarmMedianMs: median(photos.map((p) => p.webp.warmMs)),
  webpEncodeMedianMs: median(photos.map((p) => p.webp.encodeMs)),
};
const record = {
  machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  date: new Date().toISOString().slice(0, 10),
  // The machine is shared: its load when the run ended says how far the times are inflated.
  loadAverage: os.loadavg().map((load) => Number(load.toFixed(1))),
  spec: {
    width: 800,
    quality: 'default (80)',
    runs: RUNS,
    statistic: 'median of warm runs, then over photos',
  },
  // The photos' paths under /usr/share/wallpapers when they come from plasma-workspace-wallpapers.
  command: `node bench/avif-time.mjs ${files.map((file) => file.split('/wallpapers/')[1] ?? file).join(' ')}`,
  photos,
  summary,
};
writeFileSync(new URL('results/avif-time.json', import.meta.url), `${JSON.stringify(record, null, 2)}\n`);
console.error(JSON.stringify(summary));
