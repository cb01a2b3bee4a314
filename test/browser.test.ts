import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer } from '../src/adapters/node/server.js';
import { DEFAULT_CONFIG } from '../src/core/config.js';

// The index page in a real browser (Debian's Chromium, which npm test provisions through
// scripts/provision.mjs). Without it the suite fails, never skips.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM))
  throw new Error(
    `no Chromium at ${CHROMIUM}: run node scripts/provision.mjs (npm test does), which installs it, or set CHROMIUM_PATH`,
  );

let server: Server;
let browser: Browser;
let base: string;

beforeAll(async () => {
  server = await startServer({ root: 'samples', port: 0, config: DEFAULT_CONFIG });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

test('the index page shows every sample resized, with sizes and timings', async () => {
  // Tall enough that every lazily loaded preview is in view.
  const page = await browser.newPage({ viewport: { width: 1200, height: 4000 } });
  await page.goto(`${base}/`);
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('.stat')].every((el) => el.textContent !== '…') &&
      [...document.images].every((img) => img.complete),
    null,
    { timeout: 60_000 },
  );
  const cards = await page.$$eval('.card', (sections) =>
    sections.map((section) => ({
      name: section.querySelector('h2')?.textContent,
      info: section.querySelector('p')?.textContent,
      stats: [...section.querySelectorAll('li')].map((li) => li.textContent?.trim()),
      images: [...section.querySelectorAll('img')].map((img) => ({
        ok: img.complete,
        width: img.naturalWidth,
      })),
    })),
  );
  const names = cards.map((card) => card.name);
  expect(names).toEqual([
    'badge-alpha.png',
    'landscape.jpg',
    'portrait-exif6.jpg',
    'small.gif',
    'tiles.webp',
    'vector.svg',
  ]);

  const landscape = cards.find((card) => card.name === 'landscape.jpg');
  // At their natural size: the original is not squeezed to the variant's width.
  expect(landscape?.images).toEqual([
    { ok: true, width: 1600 },
    { ok: true, width: 300 },
  ]);
  // Fetched with Chrome's Accept, as the browser's own <img> would be: negotiated WebP.
  expect(landscape?.stats[1]).toMatch(
    /^width=300 300×200 · image\/webp · [\d.]+ KiB · fetch \d+ ms, decode \d+ ms, resize \d+ ms, encode \d+ ms$/,
  );
  expect(landscape?.stats[3]).toMatch(/^width=300&format=webp 300×200 · image\/webp/);
  expect(landscape?.stats[4]).toMatch(/^width=300&height=300&fit=cover 300×300 · image\/webp/);
  // Orientation applied: the sideways-stored portrait comes out taller than wide.
  const portrait = cards.find((card) => card.name === 'portrait-exif6.jpg');
  expect(portrait?.info).toContain('900×1200');
  expect(portrait?.stats[1]).toMatch(/width=300 300×400/);
  // Inputs that are served as they are say why.
  expect(cards.find((card) => card.name === 'vector.svg')?.stats[0]).toMatch(
    /^width=150 original \(unsupported-input\) · image\/svg\+xml/,
  );
  // The static GIF is resized now, to PNG or what Accept allows.
  expect(cards.find((card) => card.name === 'small.gif')?.stats[0]).toMatch(
    /^width=150 150×\d+ · image\/webp/,
  );
  await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/edge-resizer-index.png`, fullPage: true });
}, 90_000);

test("the playground: each control changes the image, and the figures shown are the response's own", async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
  const requests: string[] = [];
  page.on('request', (request) => requests.push(new URL(request.url()).pathname));
  await page.goto(`${base}/`);

  /** Waits for the figures of `query`, then checks them against a fetch of the URL shown. */
  async function settle(query: string) {
    await page.waitForFunction(
      (expected) => {
        const figures = document.getElementById('figures') as HTMLElement;
        return figures.dataset.url === expected && figures.textContent !== '…';
      },
      query,
      { timeout: 30_000 },
    );
    return page.evaluate(async () => {
      const figures = document.getElementById('figures') as HTMLElement;
      const accept = (document.querySelector('[name=accept]') as HTMLSelectElement).value;
      const url = (document.getElementById('url') as HTMLInputElement).value;
      const res = await fetch(url, { headers: { accept } });
      const blob = await res.blob();
      const result = document.getElementById('result') as HTMLImageElement;
      await result.decode().catch(() => undefined);
      return {
        shown: { ...figures.dataset, text: figures.textContent } as Record<string, string | undefined>,
        natural: `${result.naturalWidth}×${result.naturalHeight}`,
        actual: {
          type: res.headers.get('content-type'),
          bytes: String(blob.size),
          reason: res.headers.get('x-resizer-passthrough') ?? '',
        },
        url,
      };
    });
  }
  async function set(name: string, value: string) {
    const field = page.locator(`[name=${name}]`);
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  const image = '/badge-alpha.png';
  await set('image', image);
  let state = await settle(`${image}?width=300`);
  const check = (expected: { type?: string; dims?: string; reason?: string }) => {
    expect(state.shown.type).toBe(state.actual.type);
    expect(state.shown.bytes).toBe(state.actual.bytes);
    expect(state.shown.reason).toBe(state.actual.reason);
    if (expected.type) expect(state.actual.type).toBe(expected.type);
    if (expected.dims) {
      expect(state.shown.dims).toBe(expected.dims);
      expect(state.natural).toBe(expected.dims); // shown at its natural size
    }
    if (expected.reason) expect(state.actual.reason).toBe(expected.reason);
  };
  check({ type: 'image/webp', dims: '300×300' }); // Chrome's Accept by default: WebP

  await set('width', '200');
  state = await settle(`${image}?width=200`);
  check({ dims: '200×200' });
  expect(state.url).toMatch(/\/badge-alpha\.png\?width=200$/);

  await set('height', '100');
  state = await settle(`${image}?width=200&height=100`);
  check({ dims: '200×100' });

  await set('fit', 'contain');
  state = await settle(`${image}?width=200&height=100&fit=contain`);
  check({ dims: '200×100' });

  await set('fit', 'inside');
  state = await settle(`${image}?width=200&height=100&fit=inside`);
  check({ dims: '100×100' });

  await set('format', 'png');
  state = await settle(`${image}?width=200&height=100&fit=inside&format=png`);
  check({ type: 'image/png', dims: '100×100' });

  await set('format', 'jpeg');
  await set('quality', '20');
  state = await settle(`${image}?width=200&height=100&fit=inside&format=jpeg&quality=20`);
  check({ type: 'image/jpeg' });
  const low = Number(state.actual.bytes);
  await set('quality', '95');
  state = await settle(`${image}?width=200&height=100&fit=inside&format=jpeg&quality=95`);
  check({ type: 'image/jpeg' });
  expect(Number(state.actual.bytes)).toBeGreaterThan(low);

  await set('format', '');
  await set('quality', '');
  await set('accept', '*/*');
  state = await settle(`${image}?width=200&height=100&fit=inside`);
  check({ type: 'image/png' }); // curl's Accept: the input's own format

  await set('width', '5000');
  state = await settle(`${image}?width=5000&height=100&fit=inside`);
  check({ reason: 'upscale' });
  expect(state.shown.text).toMatch(/^original \(upscale\)/);

  await set('image', '/vector.svg');
  state = await settle('/vector.svg?width=5000&height=100&fit=inside');
  check({ reason: 'unsupported-input' });

  // Every request went to an image or the page: no favicon 404 in the console.
  expect(requests).not.toContain('/favicon.ico');
}, 120_000);
