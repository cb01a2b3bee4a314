#!/usr/bin/env node
// npm run soak [-- --requests N]: N mixed requests (default 2,000: good images of every format and
// size, every output format, hostile inputs and parameters) through the built Lambda@Edge handler in
// one process, as a warm instance sees them. Reports RSS at start, peak and end, and the outcomes.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { random } from './fuzz-lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { requests: { type: 'string', default: '2000' }, seed: { type: 'string', default: '7' } },
});
const edge = await import(path.join(root, 'dist/lambda-edge/index.mjs'));

function scene(width, height) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#468"/><circle cx="${width / 3}" cy="${height / 2}" r="${height / 3}" fill="#e84"/><rect x="${width / 2}" y="${height / 4}" width="${width / 3}" height="${height / 2}" fill="#2a6" opacity="0.7"/></svg>`;
  const grain = Buffer.alloc(width * height * 3);
  const r = random(width * height);
  for (let i = 0; i < grain.length; i++) grain[i] = 112 + r.int(32);
  return sharp(Buffer.from(svg)).composite([
    { input: grain, raw: { width, height, channels: 3 }, blend: 'overlay' },
  ]);
}

const bomb = Buffer.alloc(64);
bomb.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
bomb.writeUInt32BE(60000, 16);
bomb.writeUInt32BE(60000, 20);
bomb.set([8, 6, 0, 0, 0], 24);
const photo = await scene(2560, 1600).jpeg({ quality: 88 }).toBuffer();
const objects = {
  'photo.jpg': photo,
  'large.jpg': await scene(6000, 4000).jpeg({ quality: 85 }).toBuffer(),
  'progressive.jpg': await scene(1920, 1280).jpeg({ progressive: true }).toBuffer(),
  'alpha.png': await scene(1600, 1000).ensureAlpha(0.7).png().toBuffer(),
  'pic.webp': await scene(1200, 800).webp().toBuffer(),
  'bomb.png': bomb,
  'corrupt.jpg': photo.subarray(0, 4000),
  'vector.svg': Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'),
  'anim.gif': await scene(64, 48).gif().toBuffer(),
};
const names = Object.keys(objects);
const queries = [
  'width=800',
  'width=320&format=webp',
  'width=500&height=500&fit=cover',
  'width=640&height=480&fit=contain&format=png',
  'height=200&quality=50',
  'width=4000&quality=95',
  'width=1200&format=webp',
  'width=abc',
  'width=100000',
  'width=100&width=200',
  '',
];
const accepts = ['image/avif,image/webp,*/*', '*/*'];

const handler = edge.createHandler({ config: edge.config, origin: async ({ key }) => objects[key] });
const r = random(Number(values.seed));
const mib = () => process.memoryUsage().rss / 2 ** 20;
const outcomes = {};
const start = mib();
let peak = start;
const samples = [];
const started = performance.now();
for (let i = 0; i < Number(values.requests); i++) {
  const key = r.pick(names);
  const event = {
    Records: [
      {
        cf: {
          config: {
            distributionDomainName: 'd.cloudfront.net',
            distributionId: 'E',
            eventType: 'origin-response',
            requestId: String(i),
          },
          request: {
            clientIp: '203.0.113.1',
            method: 'GET',
            uri: `/${key}`,
            querystring: r.pick(queries),
            headers: { accept: [{ key: 'Accept', value: r.pick(accepts) }] },
            origin: {
              s3: { authMethod: 'none', customHeaders: {}, domainName: 'b.s3.amazonaws.com', path: '' },
            },
          },
          response: { status: '200', statusDescription: 'OK', headers: {} },
        },
      },
    ],
  };
  const result = await handler(event);
  const outcome =
    result.headers['x-resizer-passthrough']?.[0]?.value ??
    `resized ${result.headers['content-type']?.[0]?.value}`;
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  peak = Math.max(peak, mib());
  if ((i + 1) % 250 === 0) samples.push(`${i + 1}: ${mib().toFixed(0)}`);
}
const end = mib();
console.log(
  `soak: ${values.requests} requests in ${((performance.now() - started) / 1000).toFixed(1)} s, one process`,
);
console.log(
  `RSS MiB: start ${start.toFixed(0)}, peak ${peak.toFixed(0)}, end ${end.toFixed(0)} (growth ${(end - start).toFixed(0)})`,
);
console.log(`RSS MiB after every 250 requests: ${samples.join(', ')}`);
for (const [outcome, n] of Object.entries(outcomes).sort()) console.log(`  ${outcome.padEnd(26)} ${n}`);
if (outcomes['internal-error']) process.exit(1);
