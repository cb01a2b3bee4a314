import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { planGeometry } from '../../src/core/geometry.js';
import { FITS } from '../../src/core/options.js';

const SOURCES: [number, number][] = [
  [1000, 667],
  [667, 1000],
  [1920, 1080],
  [999, 333],
  [37, 13],
  [1000, 1000],
];

const REQUESTS = (w: number, h: number) => [
  { width: Math.round(w / 2) },
  { height: Math.round(h / 3) },
  { width: 1 },
  { width: w },
  { width: Math.round(w * 0.4), height: Math.round(h * 0.4) },
  { width: Math.round(w * 0.5), height: Math.round(h * 0.2) },
  { width: Math.round(w * 0.15), height: Math.round(h * 0.9) },
  { width: Math.min(w, h), height: Math.min(w, h) },
];

async function sharpSize(width: number, height: number, request: object): Promise<[number, number]> {
  const { info } = await sharp({ create: { width, height, channels: 3, background: '#808080' } })
    .resize(request)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return [info.width, info.height];
}

describe.each(SOURCES)('source %ix%i: output dimensions equal sharp', (w, h) => {
  const cases = REQUESTS(w, h).flatMap((request) => FITS.map((fit) => ({ ...request, fit })));
  test.each(cases)('%j', async (request) => {
    const plan = planGeometry({ width: w, height: h }, request);
    // One side given: our contract keeps the aspect ratio for every fit (sharp's `fill` would keep the
    // other side unchanged), so compare with sharp's default fit there.
    const oneSide = request.width === undefined || request.height === undefined;
    const asSharp = oneSide ? { ...request, fit: 'cover' } : request;
    expect([plan.output.width, plan.output.height]).toEqual(await sharpSize(w, h, asSharp));
  });
});

test('one side keeps the aspect ratio', () => {
  expect(planGeometry({ width: 1600, height: 1067 }, { width: 300 }).output).toEqual({
    width: 300,
    height: 200,
  });
  expect(planGeometry({ width: 1600, height: 1067 }, { height: 100 }).output).toEqual({
    width: 150,
    height: 100,
  });
});

test('cover resizes over the box and crops its centre', () => {
  expect(planGeometry({ width: 1000, height: 500 }, { width: 300, height: 300 })).toEqual({
    resize: { width: 600, height: 300 },
    crop: { left: 150, top: 0, width: 300, height: 300 },
    output: { width: 300, height: 300 },
  });
});

test('contain fits inside the box and pads it', () => {
  expect(planGeometry({ width: 1000, height: 500 }, { width: 300, height: 300, fit: 'contain' })).toEqual({
    resize: { width: 300, height: 150 },
    pad: { left: 0, top: 75, width: 300, height: 300 },
    output: { width: 300, height: 300 },
  });
});

describe('never upscales', () => {
  test.each([
    { width: 1001 },
    { height: 501 },
    { width: 10, height: 600 },
    { width: 2000, height: 1000, fit: 'inside' as const },
  ])('%j', (request) => {
    expect(() => planGeometry({ width: 1000, height: 500 }, request)).toThrow(
      expect.objectContaining({ code: 'upscale' }),
    );
  });
});
