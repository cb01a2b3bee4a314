import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { ssim } from 'ssim.js';

const { data: rgba, info } = await sharp('/tmp/real/Autumn.jpg')
  .ensureAlpha()
  .raw()
  .toBuffer({ resolveWithObject: true });
const mod = await WebAssembly.compile(readFileSync('wasm/build/resize.wasm'));
const { exports: k } = await WebAssembly.instantiate(mod);
function ours(src, sw, sh, dw, dh, alpha) {
  const p = k.begin(sw, sh, dw, dh, alpha ? 1 : 0);
  new Uint8Array(k.memory.buffer).set(src, p);
  const out = k.run();
  return new Uint8Array(k.memory.buffer, out, dw * dh * 4).slice();
}
const W = 800,
  H = Math.round((info.height * W) / info.width);
const times = [];
let out;
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  out = ours(rgba, info.width, info.height, W, H, false);
  times.push(performance.now() - t);
}
console.log(
  'ours ms',
  times.map((t) => t.toFixed(0)).join(' '),
  'mem MB',
  (k.memory.buffer.byteLength / 1048576).toFixed(1),
);
const ref = await sharp(rgba, { raw: { width: info.width, height: info.height, channels: 4 } })
  .resize(W, H, { kernel: 'lanczos3' })
  .raw()
  .toBuffer();
console.log(
  'ssim vs sharp',
  ssim(
    { data: new Uint8ClampedArray(out), width: W, height: H },
    { data: new Uint8ClampedArray(ref), width: W, height: H },
  ).mssim.toFixed(5),
);
let maxd = 0,
  sum = 0;
for (let i = 0; i < out.length; i++) {
  const d = Math.abs(out[i] - ref[i]);
  sum += d;
  if (d > maxd) maxd = d;
}
console.log('mean abs diff', (sum / out.length).toFixed(3), 'max', maxd);
const { resize } = await import('@jsquash/resize');
