#!/usr/bin/env node
// Builds dist/: the library (index.js + .d.ts), the CLI, and the Lambda@Edge bundle
// (dist/lambda-edge/index.mjs, self-contained, configuration baked in), then prints sizes.
// Usage: node scripts/build.mjs [--quiet] [--config FILE]   (default config: edge-resizer.config.json if present)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { buildEdgeBundle, zippedSize } from './edge-bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { quiet: { type: 'boolean' }, config: { type: 'string' } } });
const log = (line) => values.quiet || console.log(line);

const configFile =
  values.config ??
  (existsSync(`${root}edge-resizer.config.json`) ? `${root}edge-resizer.config.json` : undefined);
const edgeConfig = configFile ? JSON.parse(readFileSync(configFile, 'utf8')) : {};

rmSync(`${root}dist`, { recursive: true, force: true });

// Library and CLI share one split build, so the CLI reuses the library's chunk instead of a second copy.
const library = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { index: 'src/index.ts', cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  loader: { '.wasm': 'binary' },
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

const edge = await buildEdgeBundle({
  root,
  outfile: `${root}dist/lambda-edge/index.mjs`,
  config: edgeConfig,
});
// Load it once: a bad baked configuration fails the build here rather than every cold start.
try {
  await import(pathToFileURL(`${root}dist/lambda-edge/index.mjs`).href);
} catch (error) {
  console.error(`build: ${error.message}${configFile ? ` (from ${configFile})` : ''}`);
  process.exit(1);
}

execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

for (const [file, { bytes }] of Object.entries(library.metafile.outputs)) {
  log(`${file.padEnd(40)} ${(bytes / 1024).toFixed(1).padStart(8)} KiB`);
}
const zipped = zippedSize(edge.bytes);
log(`${'dist/lambda-edge/index.mjs'.padEnd(40)} ${(edge.bytes.length / 1024).toFixed(1).padStart(8)} KiB`);
log(`Lambda@Edge bundle zipped: ${zipped} bytes (${(zipped / 1024).toFixed(1)} KiB; budget 1 MiB)`);
if (configFile) log(`configuration baked in from ${configFile}`);
