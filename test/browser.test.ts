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
  // The variant first, then the original (its natural size intact, only displayed smaller).
  expect(landscape?.images).toEqual([
    { ok: true, width: 300 },
    { ok: true, width: 1600 },
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
  // with the dimensions of what was served.
  expect(cards.find((card) => card.name === 'vector.svg')?.stats[0]).toMatch(
    /^width=150 original \(unsupported-input\) · 240×240 · image\/svg\+xml · [\d.]+ KiB$/,
  );
  expect(cards.find((card) => card.name === 'small.gif')?.stats[2]).toMatch(
    /^width=600 original \(upscale\) · \d+×\d+ · image\/gif · [\d.]+ KiB$/,
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
  expect(state.shown.text).toMatch(/^original \(upscale\) · 800×800 · image\/png · [\d.]+ KiB$/);

  await set('image', '/vector.svg');
  state = await settle('/vector.svg?width=5000&height=100&fit=inside');
  check({ reason: 'unsupported-input' });

  // Every request went to an image or the page: no favicon 404 in the console.
  expect(requests).not.toContain('/favicon.ico');
}, 120_000);

test('at 1,400 px the ?width=300 variants are in view with no sideways scrolling; originals fit, or show at natural size', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${base}/`);
  // The page fetches each image, then sets its src: an <img> with no src yet is already "complete".
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll<HTMLImageElement>('.card img')].every(
        (img) => img.getAttribute('src') && img.complete,
      ),
    null,
    {
      timeout: 60_000,
    },
  );
  const layout = () =>
    page.evaluate(() => {
      const root = document.documentElement;
      return {
        pageScrolls: root.scrollWidth > root.clientWidth,
        cards: [...document.querySelectorAll('.card')].map((card) => {
          const pair = card.querySelector('.pair') as HTMLElement;
          const [variant, original] = [...pair.querySelectorAll('img')].map((img) => {
            const box = img.getBoundingClientRect();
            return { left: box.left, right: box.right, width: box.width, natural: img.naturalWidth };
          });
          return {
            name: card.querySelector('h2')?.textContent,
            pairScrolls: pair.scrollWidth > pair.clientWidth,
            variant,
            original,
          };
        }),
      };
    });
  const scaled = await layout();
  expect(scaled.pageScrolls).toBe(false);
  const landscape = scaled.cards.find((card) => card.name === 'landscape.jpg');
  // The 300 px variant, whole and at 300 CSS px, inside the 1,400 px viewport; the 1,600 px original
  // beside it, scaled down to what is left of the row.
  expect(landscape?.variant).toMatchObject({ width: 300, natural: 300 });
  expect(landscape?.variant?.left).toBeGreaterThanOrEqual(0);
  expect(landscape?.variant?.right).toBeLessThanOrEqual(1400);
  expect(landscape?.original?.natural).toBe(1600);
  expect(landscape?.original?.width).toBeLessThan(1400 - 300);
  expect(landscape?.original?.right).toBeLessThanOrEqual(1400);
  for (const card of scaled.cards) {
    expect(card.pairScrolls, card.name ?? '').toBe(false);
    expect(card.variant?.right, card.name ?? '').toBeLessThanOrEqual(1400);
    expect(card.original?.right, card.name ?? '').toBeLessThanOrEqual(1400);
  }
  await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/edge-resizer-index-1400.png` });

  // The toggle: natural size, the wide original scrolls inside its row, the page itself does not.
  await page.locator('#natural').check();
  const natural = await layout();
  const wide = natural.cards.find((card) => card.name === 'landscape.jpg');
  expect(wide?.original?.width).toBe(1600);
  expect(wide?.variant).toMatchObject({ width: 300, left: landscape?.variant?.left });
  expect(wide?.pairScrolls).toBe(true);
  expect(natural.pageScrolls).toBe(false);
  await page.locator('#natural').uncheck();
  expect((await layout()).cards.find((card) => card.name === 'landscape.jpg')?.original?.width).toBe(
    landscape?.original?.width,
  );
}, 90_000);

/** The options of a select: value, label, disabled mark. */
async function selectOptions(page: import('playwright-core').Page, name: string) {
  return page.$$eval(`[name=${name}] option`, (options) =>
    options.map((option) => ({
      value: (option as HTMLOptionElement).value,
      label: option.textContent,
      off: (option as HTMLOptionElement).dataset.off ?? null,
    })),
  );
}

test('the selects: one option per choice; AVIF marked off with its key, and choosing it explains instead of showing the original', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
  await page.goto(`${base}/`);
  expect(await selectOptions(page, 'fit')).toEqual([
    { value: '', label: 'cover (default)', off: null },
    { value: 'contain', label: 'contain', off: null },
    { value: 'fill', label: 'fill', off: null },
    { value: 'inside', label: 'inside', off: null },
    { value: 'outside', label: 'outside', off: null },
  ]);
  const hint =
    'AVIF is off: set "formats": {"avif": true} in edge-resizer.config.json and restart serve (or pass --config FILE)';
  expect(await selectOptions(page, 'format')).toEqual([
    { value: '', label: 'auto (default)', off: null },
    { value: 'jpeg', label: 'jpeg', off: null },
    { value: 'png', label: 'png', off: null },
    { value: 'webp', label: 'webp', off: null },
    { value: 'avif', label: 'avif (off: formats.avif)', off: hint },
  ]);

  await page.locator('[name=image]').selectOption('/landscape.jpg');
  await page.locator('[name=format]').selectOption('avif');
  await page.waitForFunction(
    () =>
      (document.getElementById('figures') as HTMLElement).dataset.url ===
      '/landscape.jpg?width=300&format=avif',
    null,
    { timeout: 30_000 },
  );
  const shown = await page.evaluate(() => ({
    reason: (document.getElementById('figures') as HTMLElement).dataset.reason,
    figures: document.getElementById('figures')?.textContent,
    explain: (document.getElementById('explain') as HTMLElement).hidden
      ? null
      : document.getElementById('explain')?.textContent,
    resultVisible: (document.getElementById('result') as HTMLImageElement).checkVisibility(),
  }));
  expect(shown).toEqual({
    reason: 'format-disabled',
    figures: expect.stringMatching(/^original \(format-disabled\) · 1600×1067 · image\/jpeg · [\d.]+ KiB$/),
    explain: hint,
    resultVisible: false,
  });
  await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/edge-resizer-playground-avif-off.png` });

  // Another format again: the image is back, the explanation gone.
  await page.locator('[name=format]').selectOption('png');
  await page.waitForFunction(
    () =>
      (document.getElementById('figures') as HTMLElement).dataset.url ===
      '/landscape.jpg?width=300&format=png',
    null,
    { timeout: 30_000 },
  );
  expect(
    await page.evaluate(() => [
      (document.getElementById('explain') as HTMLElement).hidden,
      (document.getElementById('result') as HTMLImageElement).checkVisibility(),
    ]),
  ).toEqual([true, true]);
}, 90_000);

test('with AVIF on in the configuration, its option is a plain one', async () => {
  const avifOn = await startServer({
    root: 'samples',
    port: 0,
    config: { ...DEFAULT_CONFIG, formats: { ...DEFAULT_CONFIG.formats, avif: true } },
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(avifOn.address() as AddressInfo).port}/`);
    expect((await selectOptions(page, 'format')).at(-1)).toEqual({ value: 'avif', label: 'avif', off: null });
  } finally {
    await new Promise<void>((resolve) => avifOn.close(() => resolve()));
  }
});
