#!/usr/bin/env node
// Regenerates test/goldens/* from samples/ with the built library. Run it (npm run goldens) only when
// an output is meant to change, look at the new images, and commit them with the reason.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseQuery, transform } from '../dist/index.js';

const dir = new URL('../test/goldens/', import.meta.url);
const cases = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8'));
for (const { name, input, query, ext } of cases) {
  const parsed = parseQuery(query);
  if (parsed.kind !== 'transform') throw new Error(`${name}: ${query} is not a transform`);
  const bytes = readFileSync(new URL(`../samples/${input}`, import.meta.url));
  const result = await transform(bytes, parsed.options, { accept: '' });
  writeFileSync(new URL(`${name}.${ext}`, dir), result.data);
  console.log(
    `${name}.${ext}: ${result.width}x${result.height} ${result.format}, ${result.data.length} bytes`,
  );
}
