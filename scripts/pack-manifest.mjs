#!/usr/bin/env node
// The published package.json carries no `prepare`: in a clone (and for a git dependency) prepare
// builds dist/, but in a tarball dist/ is already built and scripts/ is absent, and npm 11 warns
// every project installing it about an install script it has not allowed. `npm pack` runs this
// with `strip` before packing (prepack) and `restore` after (postpack).
// Usage: node scripts/pack-manifest.mjs strip|restore
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const manifest = 'package.json';
const kept = '.package.json.prepack';
const mode = process.argv[2];

if (mode === 'strip') {
  const text = readFileSync(manifest, 'utf8');
  // Every script needs scripts/ or src/, which the tarball lacks: a consumer gets none of them.
  const { scripts: _scripts, ...published } = JSON.parse(text);
  writeFileSync(kept, text);
  writeFileSync(manifest, `${JSON.stringify(published, null, 2)}\n`);
} else if (mode === 'restore') {
  if (existsSync(kept)) renameSync(kept, manifest);
} else {
  console.error('pack-manifest: usage: node scripts/pack-manifest.mjs strip|restore');
  process.exit(2);
}
