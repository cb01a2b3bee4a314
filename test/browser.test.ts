import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer } from '../src/adapters/node/server.js';
import { DEFAULT_CONFIG } from '../src/core/config.js';

// The index page in a real browser (Debian's Chromium, which .ci/run installs). Without Chromium the
// test is skipped locally, but never in CI.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`CI needs Chromium at ${CHROMIUM}`);

let server: Server;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!available) return;
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

test.skipIf(!available)(
  'the index page shows every sample resized, with sizes and timings',
  async () => {
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
    expect(landscape?.images).toEqual([
      { ok: true, width: 1600 },
      { ok: true, width: 300 },
    ]);
    expect(landscape?.stats[1]).toMatch(/^width=300 300×200 · image\/jpeg · [\d.]+ KiB · \d+ ms$/);
    expect(landscape?.stats[3]).toMatch(/^width=300&format=webp 300×200 · image\/webp/);
    expect(landscape?.stats[4]).toMatch(/^width=300&height=300&fit=cover 300×300 · image\/jpeg/);
    // Orientation applied: the sideways-stored portrait comes out taller than wide.
    const portrait = cards.find((card) => card.name === 'portrait-exif6.jpg');
    expect(portrait?.info).toContain('900×1200');
    expect(portrait?.stats[1]).toMatch(/width=300 300×400/);
    // Inputs that are served as they are say why.
    expect(cards.find((card) => card.name === 'vector.svg')?.stats[0]).toBe(
      'width=150 original (unsupported-input)',
    );
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/edge-resizer-index.png`, fullPage: true });
  },
  90_000,
);
