import { expect, test, vi } from 'vitest';
import { transform } from '../../src/core/transform.js';
import { scene, toBytes } from '../helpers/images.js';

// The byte budget first estimates each quality on a small mosaic, so a large output does not pay
// for full-size encodes that cannot fit. Full-size encodes are counted through the encoder.
const fullSize: number[] = [];
vi.mock('../../src/codecs/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/codecs/index.js')>();
  return {
    ...actual,
    encoderFor: (format: Parameters<typeof actual.encoderFor>[0]) => {
      const encoder = actual.encoderFor(format);
      if (!encoder) return encoder;
      return {
        prepare: () => encoder.prepare(),
        encode: (image: { width: number }, options: { quality: number }) => {
          if (image.width === 1400) fullSize.push(options.quality);
          return encoder.encode(image as never, options);
        },
      };
    },
  };
});

test('hopeless qualities are skipped on the mosaic: at most two full-size encodes', async () => {
  const png = await toBytes(scene(1400, 1100, 6).png());
  fullSize.length = 0;
  const free = await transform(png, { format: 'jpeg', quality: 95 });
  expect(fullSize).toEqual([95]);
  fullSize.length = 0;
  const budget = Math.floor(free.data.byteLength * 0.3);
  const fitted = await transform(png, { format: 'jpeg', quality: 95 }, { maxOutputBytes: budget });
  expect(fitted.data.byteLength).toBeLessThanOrEqual(budget);
  expect(fullSize.length).toBeGreaterThanOrEqual(1);
  expect(fullSize.length).toBeLessThanOrEqual(2); // the ladder from 95 has seven steps
  expect(fullSize[0]).toBeLessThan(95); // the first full encode is already a lower quality
});
