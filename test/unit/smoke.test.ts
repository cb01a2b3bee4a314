import sharp from 'sharp';
import { expect, test } from 'vitest';
import { transform } from '../../src/index.js';

test('smoke', async () => {
  const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#c33' } })
    .jpeg()
    .toBuffer();
  const out = await transform(new Uint8Array(jpeg), { width: 200 });
  expect([out.width, out.height, out.format]).toEqual([200, 150, 'jpeg']);
  const meta = await sharp(out.data).metadata();
  expect([meta.width, meta.height, meta.format]).toEqual([200, 150, 'jpeg']);
  for (const fmt of ['png', 'webp'] as const) {
    const o = await transform(new Uint8Array(jpeg), { width: 100, height: 100, format: fmt });
    const m = await sharp(o.data).metadata();
    expect([m.width, m.height, m.format]).toEqual([100, 100, fmt]);
    const back = await transform(o.data, { width: 50 });
    expect([back.width, back.height, back.format]).toEqual([50, 50, fmt]);
  }
});
