import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer } from '../src/adapters/node/server.js';
import { DEFAULT_CONFIG } from '../src/core/config.js';
import ACCEPT from './fixtures/accept-headers.json' with { type: 'json' };
import { makeCorpus } from './helpers/corpus.js';

let root: string;
let server: Server;
let base: string;

beforeAll(async () => {
  root = await makeCorpus();
  server = await startServer({ root, port: 0, config: DEFAULT_CONFIG });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function get(pathAndQuery: string, accept = ACCEPT.curl) {
  const res = await fetch(base + pathAndQuery, { headers: { accept } });
  return { res, body: new Uint8Array(await res.arrayBuffer()) };
}

function original(name: string): Buffer {
  return readFileSync(path.join(root, name));
}

interface Row {
  url: string;
  accept?: string;
  /** Expect the original bytes back, with this reason. */
  passthrough?: string;
  resized?: { width: number; height: number; format: string; vary?: boolean };
}

// Every row of the URL semantics table (DESIGN.md), through a real HTTP server.
const ROWS: [string, Row][] = [
  ['no parameter', { url: '/photo.jpg', passthrough: 'no-parameters' }],
  ['only unknown parameters', { url: '/photo.jpg?w=100&utm=x', passthrough: 'no-parameters' }],
  [
    'width and height, cover',
    {
      url: '/photo.jpg?width=500&height=300',
      resized: { width: 500, height: 300, format: 'jpeg', vary: true },
    },
  ],
  [
    'contain',
    {
      url: '/photo.jpg?width=500&height=500&fit=contain',
      resized: { width: 500, height: 500, format: 'jpeg' },
    },
  ],
  [
    'fill',
    { url: '/photo.jpg?width=500&height=100&fit=fill', resized: { width: 500, height: 100, format: 'jpeg' } },
  ],
  [
    'inside',
    {
      url: '/photo.jpg?width=500&height=500&fit=inside',
      resized: { width: 500, height: 333, format: 'jpeg' },
    },
  ],
  [
    'outside',
    {
      url: '/photo.jpg?width=500&height=500&fit=outside',
      resized: { width: 750, height: 500, format: 'jpeg' },
    },
  ],
  ['only width', { url: '/photo.jpg?width=300', resized: { width: 300, height: 200, format: 'jpeg' } }],
  ['only height', { url: '/photo.jpg?height=100', resized: { width: 150, height: 100, format: 'jpeg' } }],
  [
    'nested path with a space',
    { url: '/photos/nested%20cat.jpg?width=120', resized: { width: 120, height: 80, format: 'jpeg' } },
  ],
  ['width over the original', { url: '/photo.jpg?width=1201', passthrough: 'upscale' }],
  ['height over the original', { url: '/photo.jpg?width=100&height=801', passthrough: 'upscale' }],
  ['zero', { url: '/photo.jpg?width=0', passthrough: 'invalid-parameter' }],
  ['negative', { url: '/photo.jpg?width=-100', passthrough: 'invalid-parameter' }],
  ['fractional', { url: '/photo.jpg?width=100.5', passthrough: 'invalid-parameter' }],
  ['non-numeric', { url: '/photo.jpg?width=abc', passthrough: 'invalid-parameter' }],
  ['repeated, different', { url: '/photo.jpg?width=100&width=200', passthrough: 'invalid-parameter' }],
  [
    'repeated, same',
    { url: '/photo.jpg?width=100&width=100', resized: { width: 100, height: 67, format: 'jpeg' } },
  ],
  ['bad fit', { url: '/photo.jpg?width=100&fit=crop', passthrough: 'invalid-parameter' }],
  ['bad quality', { url: '/photo.jpg?width=100&quality=0', passthrough: 'invalid-parameter' }],
  ['bad format', { url: '/photo.jpg?width=100&format=bmp', passthrough: 'invalid-parameter' }],
  ['svg', { url: '/vector.svg?width=5', passthrough: 'unsupported-input' }],
  ['animated gif', { url: '/anim.gif?width=30', passthrough: 'unsupported-input' }],
  ['static gif: PNG out', { url: '/still.gif?width=30', resized: { width: 30, height: 20, format: 'png' } }],
  ['corrupt', { url: '/corrupt.jpg?width=30', passthrough: 'corrupt-input' }],
  [
    'cmyk jpeg: sRGB JPEG out',
    { url: '/cmyk.jpg?width=30', resized: { width: 30, height: 20, format: 'jpeg' } },
  ],
  ['pixel bomb header', { url: '/bomb.png?width=30', passthrough: 'too-many-pixels' }],
  [
    'format=auto, Chrome',
    {
      url: '/photo.jpg?width=200&format=auto',
      accept: ACCEPT.chrome,
      resized: { width: 200, height: 133, format: 'webp', vary: true },
    },
  ],
  [
    'no format, Safari',
    {
      url: '/photo.jpg?width=200',
      accept: ACCEPT.safari,
      resized: { width: 200, height: 133, format: 'webp', vary: true },
    },
  ],
  [
    'no format, curl',
    {
      url: '/photo.jpg?width=200',
      accept: ACCEPT.curl,
      resized: { width: 200, height: 133, format: 'jpeg', vary: true },
    },
  ],
  [
    'no format, png input, curl',
    { url: '/alpha.png?width=200', resized: { width: 200, height: 133, format: 'png', vary: true } },
  ],
  [
    'webp input',
    { url: '/pic.webp?width=200', resized: { width: 200, height: 133, format: 'webp', vary: true } },
  ],
  [
    'explicit format ignores Accept',
    {
      url: '/photo.jpg?width=200&format=png',
      accept: ACCEPT.chrome,
      resized: { width: 200, height: 133, format: 'png', vary: false },
    },
  ],
  ['avif disabled by default', { url: '/photo.jpg?width=200&format=avif', passthrough: 'format-disabled' }],
];

describe('URL semantics through the dev server', () => {
  test.each(ROWS)('%s', async (_name, row) => {
    const { res, body } = await get(row.url, row.accept);
    expect(res.status).toBe(200);
    if (row.passthrough !== undefined) {
      const file = decodeURIComponent(new URL(row.url, base).pathname.slice(1));
      expect(Buffer.from(body).equals(original(file))).toBe(true);
      expect(res.headers.get('x-resizer-passthrough')).toBe(row.passthrough);
      expect(res.headers.get('server-timing')).toBeNull();
      return;
    }
    const expected = row.resized as NonNullable<Row['resized']>;
    const meta = await sharp(body).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([
      expected.width,
      expected.height,
      expected.format,
    ]);
    expect(res.headers.get('content-type')).toBe(`image/${expected.format}`);
    expect(res.headers.get('content-length')).toBe(String(body.byteLength));
    expect(res.headers.get('cache-control')).toBe(DEFAULT_CONFIG.cacheControl);
    expect(res.headers.get('vary')).toBe(expected.vary === false ? null : 'Accept');
    expect(res.headers.get('server-timing')).toMatch(
      /^fetch;dur=[\d.]+, decode;dur=[\d.]+, resize;dur=[\d.]+, encode;dur=[\d.]+$/,
    );
    expect(res.headers.get('x-resizer-passthrough')).toBeNull();
    expect(meta.exif).toBeUndefined(); // metadata stripped
  });
});

describe('paths', () => {
  test.each([
    '/missing.jpg',
    '/../package.json',
    '/..%2fpackage.json',
    '/photos%2fnested%20cat.jpg',
    '/photos/..%5c..%5cetc/passwd',
    '/%00.jpg',
  ])('%s is not found', async (url) => {
    const { res } = await get(url);
    expect(res.status).toBe(404);
  });

  test('the index page lists the images with links to sizes', async () => {
    const { res, body } = await get('/');
    const html = new TextDecoder().decode(body);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(html).toContain('href="/photo.jpg?width=300"');
    expect(html).toContain('/photos/nested%20cat.jpg');
    expect(html).not.toContain('unknown.jpg'); // not an image
  });
});
