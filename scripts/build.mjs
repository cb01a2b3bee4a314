#!/usr/bin/env node
// Builds dist/: the library (index.js + .d.ts) and the CLI, with every WebAssembly module embedded.
// Usage: node scripts/build.mjs [--quiet]
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const quiet = process.argv.includes('--quiet');
const log = (line) => quiet || console.log(line);

rmSync(`${root}dist`, { recursive: true, force: true });

const shared = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  loader: { '.wasm': 'binary' },
  legalComments: 'none',
  logLevel: 'warning',
};

// Library and CLI share one split build, so the CLI reuses the library's chunk instead of a second copy.
const result = await esbuild.build({
  ...shared,
  entryPoints: { index: 'src/index.ts', cli: 'src/cli.ts' },
  outdir: 'dist',
  platform: 'node',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minifySyntax: true,
  metafile: true,
});

execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) {
  log(`${file.padEnd(40)} ${(bytes / 1024).toFixed(1).padStart(8)} KiB`);
}
