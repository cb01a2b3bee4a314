#!/usr/bin/env node
// Side-by-side check against sharp on a folder of photos: 800 px wide JPEG q80 from each, SSIM of our
// output against sharp's, output bytes and one-shot wall time (first call included, so not a latency
// benchmark; that is `npm run bench`, issue 5). Usage: node bench/compare-sharp.mjs DIR [WIDTH]
import { readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { ssim } from 'ssim.js';
import { transform } from '../dist/index.js';

const dir = process.argv[2];
const width = Number(process.argv[3] ?? 800);
if (!dir) {
  console.error('usage: node bench/compare-sharp.mjs DIR [WIDTH]');
  process.exit(2);
}
sharp.cache(false);
sharp.concurrency(1);

const raw = async (bytes) => {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8ClampedArray(data), width: info.width, height: info.height };
};

const scores = [];
for (const name of readdirSync(dir)
  .filter((n) => /\.(jpe?g|png|webp)$/i.test(n))
  .sort()) {
  const input = readFileSync(`${dir}/${name}`);
  const t0 = performance.now();
  const ours = await transform(input, { width, quality: 80, format: 'jpeg' });
  const t1 = performance.now();
  const theirs = await sharp(input).rotate().resize(width).jpeg({ quality: 80 }).toBuffer();
  const t2 = performance.now();
  const score = ssim(await raw(ours.data), await raw(theirs)).mssim;
  scores.push(score);
  console.log(
    `${name.padEnd(28)} ${`${ours.width}x${ours.height}`.padEnd(9)} ssim ${score.toFixed(4)}  ` +
      `bytes ${ours.data.length} vs ${theirs.length} (${(ours.data.length / theirs.length).toFixed(2)}x)  ` +
      `ms ${(t1 - t0).toFixed(0)} vs ${(t2 - t1).toFixed(0)}`,
  );
}
console.log(`min ssim ${Math.min(...scores).toFixed(4)} over ${scores.length} images`);
