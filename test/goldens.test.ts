import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { parseQuery, transform } from '../src/index.js';
import CASES from './goldens/cases.json' with { type: 'json' };
import { dhash, hamming, similarity } from './helpers/images.js';

// Outputs compared perceptually with committed goldens (dHash distance and SSIM), never byte for
// byte: codec updates may move bytes without changing the picture. `npm run goldens` regenerates.
describe('golden images', () => {
  test.each(CASES)('$name: $input?$query', async ({ name, input, query, ext }) => {
    const parsed = parseQuery(query);
    if (parsed.kind !== 'transform') throw new Error(`not a transform: ${query}`);
    const result = await transform(new Uint8Array(readFileSync(`samples/${input}`)), parsed.options, {
      accept: '',
    });
    const golden = new Uint8Array(readFileSync(`test/goldens/${name}.${ext}`));
    const meta = await sharp(golden).metadata();
    expect([result.width, result.height, result.format]).toEqual([meta.width, meta.height, meta.format]);
    expect(hamming(await dhash(result.data), await dhash(golden))).toBeLessThanOrEqual(4);
    expect(await similarity(result.data, golden)).toBeGreaterThanOrEqual(0.97);
  });
});
