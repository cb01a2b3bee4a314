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

/** An image whose every column (or row) carries its own index, so an output's offset can be read. */
function coordinates(width: number, height: number) {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      data.set([x & 0xff, y & 0xff, (x >> 8) | ((y >> 8) << 4)], (y * width + x) * 3);
  }
  return { data, info: { width, height, channels: 3 as const } };
}

async function sharpOffset(width: number, height: number, box: [number, number], fit: 'cover' | 'contain') {
  if (fit === 'cover') {
    const { data, info } = coordinates(width, height);
    const out = await sharp(data, { raw: info })
      .resize(box[0], box[1], { fit, kernel: 'nearest' })
      .raw()
      .toBuffer();
    const [r = 0, g = 0, hi = 0] = out;
    return { left: r | ((hi & 0xf) << 8), top: g | ((hi >> 4) << 8) };
  }
  // contain: a grey image on a black canvas; the offset is where the grey starts.
  const out = await sharp(Buffer.alloc(width * height * 3, 200), { raw: { width, height, channels: 3 } })
    .resize(box[0], box[1], { fit, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer();
  const grey = (x: number, y: number) => out[(y * box[0] + x) * 3] === 200;
  let left = 0;
  while (!grey(left, box[1] >> 1)) left++;
  let top = 0;
  while (!grey(box[0] >> 1, top)) top++;
  return { left, top };
}

// Crops and pads with odd and even excess, where the resize is exact on the other axis, so sharp's
// own pixels give its offset. An odd excess leaves a pixel to place: the plan must place it as sharp.
describe('crop and pad offsets equal sharp, odd splits included', () => {
  const covers: [number, number, [number, number]][] = [];
  for (let excess = 1; excess <= 6; excess++) {
    covers.push([100 + excess, 60, [100, 60]], [60, 100 + excess, [60, 100]], [37 + excess, 13, [37, 13]]);
  }
  test.each(covers)('cover %ix%i into %j', async (w, h, box) => {
    const plan = planGeometry({ width: w, height: h }, { width: box[0], height: box[1], fit: 'cover' });
    expect(plan.resize).toEqual({ width: w, height: h }); // no resampling: the crop alone
    const crop = plan.crop as NonNullable<typeof plan.crop>;
    expect({ left: crop.left, top: crop.top }).toEqual(await sharpOffset(w, h, box, 'cover'));
  });

  const contains: [number, number, [number, number]][] = [];
  for (let excess = 1; excess <= 6; excess++) {
    // Downscaled by exactly 2 (no upscaling is allowed), leaving `excess` pixels to pad.
    contains.push([200, 2 * (60 - excess), [100, 60]], [2 * (60 - excess), 200, [60, 100]]);
  }
  test.each(contains)('contain %ix%i into %j', async (w, h, box) => {
    const plan = planGeometry({ width: w, height: h }, { width: box[0], height: box[1], fit: 'contain' });
    expect(plan.resize).toEqual({ width: w / 2, height: h / 2 });
    const pad = plan.pad as NonNullable<typeof plan.pad>;
    expect({ left: pad.left, top: pad.top }).toEqual(await sharpOffset(w, h, box, 'contain'));
  });
});
