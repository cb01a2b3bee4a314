import sharp from 'sharp';
import { beforeAll, expect, test } from 'vitest';
import { classify, type FuzzCase, makeCase, type Seed, seedImages } from '../scripts/fuzz-lib.mjs';
import { resolveEdgeConfig } from '../src/adapters/lambda-edge/config.js';
import { createHandler } from '../src/adapters/lambda-edge/handler.js';
import { isResizerError, parseQuery, transform } from '../src/index.js';
import { decodeBody, header, violations } from './helpers/cloudfront-contract.js';
import { originResponseEvent } from './helpers/events.js';

// Bounded fuzzing inside npm test: mutated JPEG, PNG and WebP files (bit flips, truncation, header
// fields, inserted junk, duplicated and reordered segments) through transform and through the
// Lambda@Edge handler. Every case must end as a valid image or a typed refusal, within 2 s, and a
// good image must still resize after the hostile ones. `npm run fuzz` runs the same for 10,000+.
const CASES = 500;
const SEED = 20261126;

let seeds: Seed[];
let good: Uint8Array;

beforeAll(async () => {
  seeds = await seedImages(sharp);
  good = seeds[0]?.bytes as Uint8Array;
}, 60_000);

async function throughTransform(c: FuzzCase) {
  const parsed = parseQuery(c.query);
  if (parsed.kind !== 'transform') throw new Error(`bad fuzz query ${c.query}`);
  const result = await transform(c.bytes, parsed.options);
  const meta = await sharp(result.data).metadata();
  if (meta.width !== result.width || meta.height !== result.height || meta.format !== result.format) {
    throw new Error(
      `invalid output: says ${result.width}x${result.height} ${result.format}, is ${meta.width}x${meta.height} ${meta.format}`,
    );
  }
}

/** A passthrough of the handler: the typed refusal of that path. */
class Passthrough extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}
const isTyped = (error: unknown) => isResizerError(error) || error instanceof Passthrough;

const handler = (bytes: Uint8Array) =>
  createHandler({ config: resolveEdgeConfig(), origin: async () => bytes });

async function throughHandler(c: FuzzCase) {
  const event = originResponseEvent({ uri: '/fuzz.img', querystring: c.query });
  const incoming = structuredClone(event.Records[0]?.cf.response) as NonNullable<
    (typeof event.Records)[0]
  >['cf']['response'];
  const result = await handler(c.bytes)(event);
  const problems = violations(result, incoming);
  if (problems.length) throw new Error(`contract: ${problems.join('; ')}`);
  const reason = header(result, 'x-resizer-passthrough');
  if (reason === 'internal-error') throw new Error('internal-error passthrough');
  if (reason !== undefined) throw new Passthrough(reason);
  // Neither a reason nor a body would be an answer CloudFront serves as a broken image.
  if (result.body === undefined || result.status !== '200') throw new Error('neither an image nor a reason');
  const meta = await sharp(decodeBody(result)).metadata();
  if (`image/${meta.format}` !== header(result, 'content-type'))
    throw new Error('content type does not match the body');
}

test.each([
  ['transform', throughTransform],
  ['the Lambda@Edge handler', throughHandler],
] as const)(
  `${CASES} mutated images through %s: images or typed refusals, no crash, no hang`,
  async (_path, run) => {
    const counts: Record<string, number> = { image: 0, refused: 0, crash: 0, hang: 0 };
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const c = makeCase(seeds, SEED, i);
      const { outcome, detail, ms } = await classify(() => run(c), isTyped);
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      if (outcome === 'crash' || outcome === 'hang') {
        failures.push(
          `case ${i} (${c.seed}, ${c.mutator}, ${c.query}): ${outcome} after ${ms.toFixed(0)} ms ${detail}`,
        );
      }
      if (i % 25 === 24) {
        // A good image still resizes right after the hostile ones.
        const after = await transform(good, { width: 48 });
        expect([after.width, after.format]).toEqual([48, 'jpeg']);
      }
    }
    expect(failures).toEqual([]);
    expect(counts.image).toBeGreaterThan(CASES / 10); // the mutations are not all fatal: decoders are exercised
    expect(counts.refused).toBeGreaterThan(CASES / 10);
  },
  180_000,
);
