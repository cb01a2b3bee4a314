import { expect, test, vi } from 'vitest';
import { transform } from '../../src/core/transform.js';
import { scene, toBytes } from '../helpers/images.js';

// A decoder whose pixels disagree with the header the plan was made from (a lying header, a decoder
// that ignored the shrink) must not reach the resampler with the wrong size.
vi.mock('../../src/codecs/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/codecs/index.js')>();
  return {
    ...actual,
    decoderFor: () => ({
      decode: async () => ({ data: new Uint8Array(10 * 12 * 4), width: 10, height: 12 }),
      shrinksOnLoad: false,
    }),
  };
});

test('decoded pixels that disagree with the header are corrupt-input', async () => {
  const jpeg = await toBytes(scene(300, 200).jpeg());
  await expect(transform(jpeg, { width: 100 })).rejects.toMatchObject({
    code: 'corrupt-input',
    message: 'Header says 300x200, pixels are 10x12',
  });
});
