#!/usr/bin/env node
// node bench/worker-memory.mjs   (builds its own worker from the sources; about 15 s)
// What one request costs a Worker in memory: the built worker under workerd (from npm), one fresh
// workerd process per request, and its VmHWM after the request minus its idle VmRSS before it,
// read from /proc. That counts the runtime's own growth as well as the isolate's, so it is the safe
// side of the 128 MB a Worker has. The worker is built here with its decoded-pixel limits raised
// (26 MP), so the cases above its defaults (1.6 MP, 1.2 MP with alpha) are measured, not refused.
// Linux only (/proc). Prints a Markdown table for bench/README.md.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { workerdConfig } from '../scripts/workerd-config.mjs';
import { buildWorker } from '../scripts/workers-bundle.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const WORKERD = path.join(root, 'node_modules/@cloudflare/workerd-linux-64/bin/workerd');

/** Incompressible pixels (no shrink-on-load for PNG): the worst case for memory at its size. */
function noise(width, height, channels = 3) {
  const raw = Buffer.alloc(width * height * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = (Math.imul(i, 2654435761) >>> 24) & 0xff;
  return sharp(raw, { raw: { width, height, channels } });
}

/** Each request, with the size the pipeline decodes it at; `make` writes the original (or it is shared). */
const CASES = [
  {
    label: '5000x5000 JPEG to 800 px WebP (shrunk on load to 1/4)',
    file: 'big.jpg',
    make: () => noise(5000, 5000).jpeg(),
    query: '?width=800&format=webp',
    decoded: '1250x1250',
  },
  {
    label: '4000x3000 JPEG to 800 px WebP (1/4)',
    file: 'phone.jpg',
    make: () => noise(4000, 3000).jpeg(),
    query: '?width=800&format=webp',
    decoded: '1000x750',
  },
  {
    label: '1264x1264 PNG to 1260 px WebP q100',
    file: 'p1264.png',
    make: () => noise(1264, 1264).png({ compressionLevel: 1 }),
    query: '?width=1260&format=webp&quality=100',
    decoded: '1.6 MP',
  },
  {
    label: '1264x1264 CMYK JPEG to 1260 px WebP q100',
    file: 'c1264.jpg',
    make: () => noise(1264, 1264).toColourspace('cmyk').jpeg(),
    query: '?width=1260&format=webp&quality=100',
    decoded: '1.6 MP',
  },
  {
    label: '1264x1264 AVIF to 1260 px WebP q100',
    file: 'v1264.avif',
    make: () => noise(1264, 1264).avif({ quality: 90 }),
    query: '?width=1260&format=webp&quality=100',
    decoded: '1.6 MP',
  },
  {
    label: '1732x1732 AVIF to 1720 px WebP q100',
    file: 'v1732.avif',
    make: () => noise(1732, 1732).avif({ quality: 90 }),
    query: '?width=1720&format=webp&quality=100',
    decoded: '3.0 MP',
  },
  {
    label: '2000x2000 PNG to 1990 px WebP q100',
    file: 'p2000.png',
    make: () => noise(2000, 2000).png({ compressionLevel: 1 }),
    query: '?width=1990&format=webp&quality=100',
    decoded: '4.0 MP',
  },
  {
    label: '1095x1095 RGBA PNG (16-bit) to 1090 px WebP q100',
    file: 'w1095.png',
    make: () => noise(1095, 1095, 4).png({ compressionLevel: 1 }).toColourspace('rgb16'),
    query: '?width=1090&format=webp&quality=100',
    decoded: '1.2 MP, alpha',
  },
  {
    label: '1095x1095 RGBA AVIF to 1090 px WebP q100',
    file: 'va1095.avif',
    make: () => noise(1095, 1095, 4).avif({ quality: 90 }),
    query: '?width=1090&format=webp&quality=100',
    decoded: '1.2 MP, alpha',
  },
  {
    label: '1095x1095 RGBA AVIF (lossless) to 1090 px WebP q100',
    file: 'val1095.avif',
    make: () => noise(1095, 1095, 4).avif({ lossless: true }),
    query: '?width=1090&format=webp&quality=100',
    decoded: '1.2 MP, alpha',
  },
  {
    label: '1264x1264 RGBA PNG to 1260 px WebP q100',
    file: 'a1264.png',
    make: () => noise(1264, 1264, 4).png({ compressionLevel: 1 }),
    query: '?width=1260&format=webp&quality=100',
    decoded: '1.6 MP, alpha',
  },
  {
    label: '1264x1264 RGBA AVIF to 1260 px WebP q100',
    file: 'va1264.avif',
    make: () => noise(1264, 1264, 4).avif({ quality: 90 }),
    query: '?width=1260&format=webp&quality=100',
    decoded: '1.6 MP, alpha',
  },
  {
    label: '1264x1264 GIF to 1260 px WebP q100',
    file: 'g1264.gif',
    make: () => noise(1264, 1264).gif(),
    query: '?width=1260&format=webp&quality=100',
    decoded: '1.6 MP',
  },
  {
    label: '5000x5000 JPEG to 4900 px JPEG (no shrink)',
    file: 'big.jpg',
    make: null,
    query: '?width=4900&format=jpeg',
    decoded: '25 MP',
  },
];

/** Files of CASES (and two more outputs) within the Worker's default limits, for one isolate in turn. */
const SEQUENCE = [
  ['big.jpg', '?width=800&format=webp'],
  ['c1264.jpg', '?width=1260&format=webp&quality=100'],
  ['v1264.avif', '?width=1260&format=webp&quality=100'],
  ['v1264.avif', '?width=1260&format=jpeg&quality=100'],
  ['p1264.png', '?width=1260&format=png'],
  ['w1095.png', '?width=1090&format=webp&quality=100'],
  ['val1095.avif', '?width=1090&format=webp&quality=100'],
  ['va1095.avif', '?width=1090&format=png'],
  ['g1264.gif', '?width=1260&format=webp&quality=100'],
];

const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-worker-memory-'));
try {
  const corpus = path.join(dir, 'corpus');
  const worker = path.join(dir, 'worker');
  await buildWorker({
    root,
    outdir: worker,
    config: { limits: { maxDecodedPixels: 26_000_000, maxDecodedAlphaPixels: 26_000_000 } },
  });
  mkdirSync(corpus);
  for (const { file, make } of CASES)
    if (make) writeFileSync(path.join(corpus, file), await make().toBuffer());

  const origin = createServer((req, res) => {
    try {
      const bytes = readFileSync(path.join(corpus, path.basename(new URL(req.url, 'http://x').pathname)));
      res.writeHead(200, { 'content-length': String(bytes.length) }).end(bytes);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originUrl = `http://127.0.0.1:${origin.address().port}/`;

  /** A fresh workerd serving the worker; `peakMiB()` is its VmHWM now over its VmRSS at start. */
  async function serve() {
    const port = 20000 + Math.floor(Math.random() * 20000);
    writeFileSync(path.join(worker, 'config.capnp'), workerdConfig({ dir: worker, port, origin: originUrl }));
    const child = spawn(WORKERD, ['serve', path.join(worker, 'config.capnp')], { stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    const up = () =>
      fetch(`${base}/`).then(
        () => true,
        () => false,
      );
    for (let i = 0; i < 100 && !(await up()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const kib = (field) =>
      Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]);
    const idle = kib('VmRSS');
    return {
      /** The resized image's dimensions; throws unless the worker resized it. */
      async resize(label, file, query) {
        const res = await fetch(`${base}/${file}${query}`);
        const body = new Uint8Array(await res.arrayBuffer());
        const passthrough = res.headers.get('x-resizer-passthrough');
        if (res.status !== 200 || passthrough)
          throw new Error(`${label}: ${res.status} ${passthrough ?? ''}`);
        return sharp(body).metadata();
      },
      peakMiB: () => (kib('VmHWM') - idle) / 1024,
      close: () => child.kill(),
    };
  }

  const lines = ['| request | decoded | peak over idle |', '| --- | --- | --- |'];
  for (const { label, file, query, decoded } of CASES) {
    const server = await serve();
    try {
      const { width, height } = await server.resize(label, file, query);
      lines.push(`| ${label} -> ${width}x${height} | ${decoded} | ${server.peakMiB().toFixed(0)} MiB |`);
      console.error(lines.at(-1));
    } finally {
      server.close();
    }
  }

  // One isolate serving, in turn, the costliest requests the Worker's default limits admit, in
  // every codec: each module's memory stays at its own high-water mark, so this is what a busy
  // isolate can hold.
  const server = await serve();
  try {
    for (const [file, query] of SEQUENCE) await server.resize(file, file, query);
    lines.push(
      '',
      `One workerd process serving these ${SEQUENCE.length} in turn: ${server.peakMiB().toFixed(0)} MiB over idle (${SEQUENCE.map(([file, query]) => file + query).join(', ')})`,
    );
  } finally {
    server.close();
  }
  origin.close();
  console.log(lines.join('\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
