#!/usr/bin/env node
// Builds dist/: the library (index.js + .d.ts, and index.cjs for require), the CLI, the Lambda@Edge bundle
// (dist/lambda-edge/index.mjs, self-contained, configuration baked in) and the viewer-request
// CloudFront Function (dist/cloudfront/viewer-request.js, the same configuration's rules), then
// prints sizes. dist/build-config.json records the resolved configuration both were built from, so
// synth and deploy can refuse a bundle built from another one.
// Usage: node scripts/build.mjs [--quiet] [--config FILE] [--outdir DIR]
//   --config: default edge-resizer.config.json if present; --outdir DIR: only the deployable
//   artefacts (lambda-edge/, cloudfront/, build-config.json) into DIR, e.g. for synth or tests.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { bundledPackages } from './audit-bundles.mjs';
import { buildEdgeBundle, corePathFiles, lazyWasm, zippedPackageSize } from './edge-bundle.mjs';
import { buildViewerFunction, FUNCTION_SIZE_LIMIT } from './viewer-function.mjs';
import { buildWorker } from './workers-bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { quiet: { type: 'boolean' }, config: { type: 'string' }, outdir: { type: 'string' } },
});
const deployablesOnly = values.outdir !== undefined;
const outdir = deployablesOnly ? `${path.resolve(values.outdir)}/` : `${root}dist/`;
const log = (line) => values.quiet || console.log(line);

const configFile =
  values.config ??
  (existsSync(`${root}edge-resizer.config.json`) ? `${root}edge-resizer.config.json` : undefined);
const edgeConfig = configFile ? readConfigFile(configFile) : {};

function readConfigFile(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read configuration ${file}: ${error.code ?? 'error'}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    fail(`${file} is not valid JSON`);
  }
}

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(2);
}

for (const stale of deployablesOnly ? ['lambda-edge', 'cloudfront', 'build-config.json'] : ['']) {
  rmSync(`${outdir}${stale}`, { recursive: true, force: true });
}

// Library and CLI share one split build, so the CLI reuses the library's chunk instead of a second copy.
const library = deployablesOnly
  ? undefined
  : await esbuild.build({
      absWorkingDir: root,
      entryPoints: { index: 'src/index.ts', fetch: 'src/fetch.ts', cli: 'src/cli.ts' },
      outdir: 'dist',
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      splitting: true,
      // Chunks beside the entry points. AVIF's two modules (4.6 MB of WebAssembly) are read from
      // dist/ on first use, relative to whichever output asks for it, so that every other request
      // does not parse them at start-up; every other module is embedded, so the library needs no
      // file access for JPEG, PNG, WebP, GIF or colour management (Deno runs it with --allow-net
      // alone; AVIF adds --allow-read).
      chunkNames: '[name]-[hash]',
      loader: { '.wasm': 'binary' },
      plugins: [lazyWasm(`${root}dist`, new Map(), ['avif-encode.wasm', 'avif-decode.wasm'])],
      minifySyntax: true,
      legalComments: 'none',
      logLevel: 'warning',
      metafile: true,
    });

// The same library for CommonJS (`require('edge-resizer')`). CommonJS has no code splitting, so both
// entry points live in one bundle (dist/library.cjs, the codecs once) that index.cjs and fetch.cjs
// each pick their half of; AVIF's modules are read from the same files beside it.
const commonjs = deployablesOnly
  ? undefined
  : await esbuild.build({
      absWorkingDir: root,
      stdin: {
        contents: "export * as index from './src/index.ts'; export * as fetch from './src/fetch.ts';",
        resolveDir: root,
        loader: 'ts',
      },
      outfile: 'dist/library.cjs',
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      loader: { '.wasm': 'binary' },
      plugins: [lazyWasm(`${root}dist`, new Map(), ['avif-encode.wasm', 'avif-decode.wasm'], 'cjs')],
      minifySyntax: true,
      legalComments: 'none',
      logLevel: 'warning',
      metafile: true,
    });

for (const entry of deployablesOnly ? [] : ['index', 'fetch']) {
  writeFileSync(
    `${outdir}${entry}.cjs`,
    `'use strict';\nmodule.exports = require('./library.cjs').${entry};\n`,
  );
}

const edge = await buildEdgeBundle({
  root,
  outfile: `${outdir}lambda-edge/index.mjs`,
  config: edgeConfig,
});
// Load it once: a bad baked configuration fails the build here rather than every cold start.
let resolved;
try {
  ({ config: resolved } = await import(pathToFileURL(`${outdir}lambda-edge/index.mjs`).href));
} catch (error) {
  rmSync(`${outdir}lambda-edge`, { recursive: true, force: true });
  fail(`${error.message}${configFile ? ` (in ${configFile})` : ''}`);
}
const viewer = await buildViewerFunction({
  root,
  config: resolved,
  outfile: `${outdir}cloudfront/viewer-request.js`,
});
const worker = deployablesOnly
  ? undefined
  : await buildWorker({ root, outdir: `${outdir}workers`, config: edgeConfig });
writeFileSync(`${outdir}build-config.json`, `${JSON.stringify(resolved, null, 2)}\n`);
// What each bundle carries from node_modules, for npm run audit:bundles (not part of the package).
const bundled = { 'lambda-edge': bundledPackages(edge.metafile, root) };
if (library) bundled.library = bundledPackages(library.metafile, root);
if (worker) bundled.workers = bundledPackages(worker.metafile, root);
writeFileSync(`${outdir}bundled-packages.json`, `${JSON.stringify(bundled, null, 2)}\n`);

if (!deployablesOnly) {
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}

const libraryOutputs = { ...library?.metafile.outputs, ...commonjs?.metafile.outputs };
for (const [file, { bytes }] of Object.entries(libraryOutputs)) {
  log(`${file.padEnd(40)} ${(bytes / 1024).toFixed(1).padStart(8)} KiB`);
}
for (const { name, bytes } of edge.files)
  log(`${`dist/lambda-edge/${name}`.padEnd(40)} ${(bytes.length / 1024).toFixed(1).padStart(8)} KiB`);
const zipped = zippedPackageSize(edge.files);
const corePath = zippedPackageSize(corePathFiles(edge.files));
log(
  `Lambda@Edge package zipped: ${(zipped / 1024).toFixed(1)} KiB (budget 2 MiB); its JPEG/PNG/WebP path ` +
    `(index.mjs and the modules those requests use): ${(corePath / 1024).toFixed(1)} KiB (budget 512 KiB)`,
);
log(`viewer-request function: ${viewer.bytes} bytes (limit ${FUNCTION_SIZE_LIMIT})`);
for (const { name, bytes } of worker?.files ?? []) {
  log(`${`dist/workers/${name}`.padEnd(40)} ${(bytes / 1024).toFixed(1).padStart(8)} KiB`);
}
if (configFile) log(`configuration baked in from ${configFile}`);
