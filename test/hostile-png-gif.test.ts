/**
 * Small PNG and GIF files that cost a decoder gigabytes or seconds (issue 24), each held to a bound
 * through `transform`: refused from the header or served, in under 100 ms and 64 MiB of RSS growth,
 * and followed by a good request that is served right (the module that saw the hostile file is
 * still sound, or was replaced).
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  gifCommentFlood,
  gifExtension,
  gifFile,
  gifHugeFrame,
  pngFile,
  pngIccpBomb,
  pngTextFlood,
  pngUnknownFlood,
} from '../scripts/hostile-images.mjs';
import { gifDecoder, gifDecoderSlot } from '../src/codecs/gif.js';
import { pngSlot } from '../src/codecs/png.js';
import { isResizerError, transform } from '../src/index.js';

const MS = 100;
const MIB = 2 ** 20;

interface Outcome {
  code?: string;
  width?: number;
  height?: number;
  ms: number;
  growth: number;
}

/** One transform, timed, with the RSS it added (the best of three runs for time, the worst for memory). */
async function measure(bytes: Uint8Array, query: { width?: number; height?: number; format?: 'png' }) {
  const runs: Outcome[] = [];
  for (let i = 0; i < 3; i++) {
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    let outcome: Omit<Outcome, 'ms' | 'growth'>;
    try {
      const result = await transform(bytes, query);
      outcome = { width: result.width, height: result.height };
    } catch (error) {
      if (!isResizerError(error)) throw error;
      outcome = { code: error.code };
    }
    runs.push({ ...outcome, ms: performance.now() - started, growth: process.memoryUsage().rss - rss });
  }
  const first = runs[0] as Outcome;
  return {
    ...first,
    ms: Math.min(...runs.map((r) => r.ms)),
    growth: Math.max(...runs.map((r) => r.growth)),
  };
}

/** A good request after the hostile one: the right size and the right pixels. */
async function goodRequestServed(format: 'png' | 'gif') {
  const good =
    format === 'png'
      ? pngFile({ width: 64, height: 32 })
      : gifFile({ screen: { width: 64, height: 32 }, index: (x) => (x < 32 ? 10 : 200) });
  const result = await transform(good, { width: 32, format: 'png' });
  expect([result.width, result.height]).toEqual([32, 16]);
  const { data, info } = await sharp(result.data).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([32, 16]);
  if (format === 'gif') {
    // Palette index 10 is (10, 245, 70) on the left, 200 is (200, 55, 120) on the right.
    expect([...data.subarray(0, 3)]).toEqual([10, 245, 70]);
    const right = (8 * 32 + 31) * info.channels;
    expect([...data.subarray(right, right + 3)]).toEqual([200, 55, 120]);
  }
}

beforeAll(async () => {
  // Every module compiled and instantiated first: the bounds are on the hostile request alone.
  await goodRequestServed('png');
  await goodRequestServed('gif');
});

const rows: [string, () => Uint8Array, { code?: string; width?: number }][] = [
  // 64x64 screen, 46000x46000 frame: was decoded whole (2 GB, 9.5 s in the issue).
  [
    'GIF frame descriptor 46000x46000 on a 64x64 screen',
    () => gifHugeFrame(46000),
    { code: 'too-many-pixels' },
  ],
  [
    'GIF frame descriptor 6000x6000 on a 1x1 screen',
    () => gifHugeFrame(6000, 1),
    { code: 'too-many-pixels' },
  ],
  [
    'GIF frame descriptor with no pixels',
    () => gifFile({ frame: { left: 0, top: 0, width: 0, height: 16 }, data: Uint8Array.of(0) }),
    { code: 'corrupt-input' },
  ],
  // One-byte comment sub-blocks: were stored block by block (533 MiB for 8 million in the issue).
  // Past a million sub-blocks (no encoder writes them) the probe stops and refuses; below, the
  // glue reads through them without storing any.
  [
    'GIF comment extension of 8 million sub-blocks',
    () => gifCommentFlood(8_000_000),
    { code: 'corrupt-input' },
  ],
  ['GIF comment extension of 1 million sub-blocks', () => gifCommentFlood(1_000_000), { width: 8 }],
  [
    'GIF with 20,000 application and plain-text extensions',
    () =>
      gifFile({
        extensions: Array.from({ length: 20_000 }, (_, i) =>
          gifExtension(i % 2 ? 0xff : 0x01, new Uint8Array(200), 20),
        ),
      }),
    { width: 8 },
  ],
  // zTXt/iTXt chunks before IDAT, each inflating to 15.9 MB: were inflated and stored (4 GB, 30 s
  // for 300 in the issue; 60 here, about 1 GB on the old code).
  ['PNG with 60 zTXt chunks of 15.9 MB each', () => pngTextFlood('zTXt', 60), { width: 8 }],
  ['PNG with 60 iTXt chunks of 15.9 MB each', () => pngTextFlood('iTXt', 60), { width: 8 }],
  // Past 65,536 chunks before the image the probe refuses; below, libpng reads through them.
  [
    'PNG with 200,000 unknown chunks before the image',
    () => pngUnknownFlood(200_000),
    { code: 'corrupt-input' },
  ],
  ['PNG with 60,000 unknown chunks before the image', () => pngUnknownFlood(60_000), { width: 8 }],
  ['PNG with 60,000 empty tEXt chunks', () => pngUnknownFlood(60_000, 'tEXt'), { width: 8 }],
  // An iCCP over libpng's 16 MB chunk bound is not inflated (the profile is dropped, with a warning).
  ['PNG with an iCCP inflating to 64 MB', () => pngIccpBomb(64 * MIB), { width: 8 }],
];

describe('hostile PNG and GIF files are refused or served within 100 ms and 64 MiB', () => {
  test.each(rows)('%s', async (_name, make, expected) => {
    const bytes = make();
    const outcome = await measure(bytes, { width: 8, format: 'png' });
    if (expected.code) expect(outcome.code).toBe(expected.code);
    else expect([outcome.code, outcome.width]).toEqual([undefined, expected.width]);
    expect(outcome.ms).toBeLessThan(MS);
    expect(outcome.growth).toBeLessThan(64 * MIB);
    await goodRequestServed(bytes[0] === 0x89 ? 'png' : 'gif');
  });

  test('a GIF frame larger than its screen, within the limits, is decoded and clipped to the screen', async () => {
    const bytes = gifFile({
      screen: { width: 16, height: 16 },
      frame: { left: 0, top: 0, width: 40, height: 40 },
      index: (x) => (x < 8 ? 10 : 200),
    });
    const result = await transform(bytes, { format: 'png' });
    expect([result.width, result.height]).toEqual([16, 16]);
    const { data } = await sharp(result.data).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([10, 245, 70]);
  });

  test('an interlaced GIF frame comes out in display order', async () => {
    // Rows 0, 8 (pass 1), 4 (pass 2), 2, 6 (pass 3), 1, 3, 5, 7 (pass 4): row y is index y * 20.
    const rows = [0, 8, 4, 2, 6, 1, 3, 5, 7].filter((y) => y < 8);
    const frame = gifFile({ screen: { width: 4, height: 8 }, index: (_x, y) => (rows[y] as number) * 20 });
    frame[781 + 9] = 0x40; // the frame's interlace flag
    const result = await transform(frame, { format: 'png' });
    const { data, info } = await sharp(result.data).raw().toBuffer({ resolveWithObject: true });
    const firstOfRows = Array.from({ length: 8 }, (_, y) => data[y * 4 * info.channels]);
    expect(firstOfRows).toEqual([0, 20, 40, 60, 80, 100, 120, 140]);
  });
});

describe('the WebAssembly memory wall', () => {
  test.each([
    ['gif decoder', 512, () => gifDecoderSlot.get()],
    ['png', 1024, () => pngSlot.get()],
  ] as const)('the %s module cannot grow past %i MiB', async (_name, mib, instance) => {
    const { memory } = await instance();
    const pages = memory.buffer.byteLength / 65536;
    expect(() => memory.grow(mib * 16 - pages + 1)).toThrow(RangeError);
    expect(memory.grow(0)).toBe(pages); // still usable: the failed grow changed nothing
  });

  test('a decode that needs more than the wall fails typed, and the next request is served', async () => {
    // A 12000x12000 screen (576 MB of RGBA) behind a 16x16 frame, handed to the decoder directly
    // (the probe would refuse it from the header): the module's allocation fails at its wall.
    const bytes = gifFile({
      screen: { width: 12000, height: 12000 },
      frame: { left: 0, top: 0, width: 16, height: 16 },
    });
    const rss = process.memoryUsage().rss;
    await expect(gifDecoder.decode(bytes)).rejects.toMatchObject({
      name: 'ResizerError',
      code: 'codec-failure',
    });
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * MIB);
    await goodRequestServed('gif');
  });
});
