// The Lambda@Edge bundle: one ESM file exporting `handler`, the configuration baked in through `define`
// (Lambda@Edge has no environment variables), and its WebAssembly as .wasm files beside it, each read
// and compiled on first use: a cold start reads only the modules its request needs (a JPEG resize
// never touches AVIF's 4.5 MB), and raw WebAssembly zips a third smaller than base64 inside the
// JavaScript.
import { copyFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import * as esbuild from 'esbuild';

/**
 * Imports of a lazy module become a function that reads the file next to the output (every output
 * of a build using this must sit in `outdir` itself, not a subfolder).
 */
export function lazyWasm(outdir, files = new Map(), only = undefined, format = 'esm') {
  return {
    name: 'lazy-wasm',
    setup(build) {
      build.onLoad({ filter: /\.wasm$/ }, (args) => {
        const name = path.basename(args.path);
        if (only && !only.includes(name)) return undefined; // embedded by the binary loader
        if (files.has(name) && files.get(name) !== args.path)
          throw new Error(`two WebAssembly files named ${name}`);
        files.set(name, args.path);
        // CommonJS has no import.meta: its output is always loaded from disk, beside the file.
        if (format === 'cjs')
          return {
            contents: `const file = require('node:path').join(__dirname, ${JSON.stringify(name)});
const bytes = (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
export default () => require('node:fs/promises').readFile(file).then(bytes);`,
            loader: 'js',
          };
        return {
          // A file beside the output: read with node:fs where the module was loaded from disk (Node,
          // Deno, Bun), fetched where it came over HTTP. No other node:* import in the library.
          contents: `const url = new URL(${JSON.stringify(`./${name}`)}, import.meta.url);
const bytes = (b) => new Uint8Array(b.buffer ?? b, b.byteOffset ?? 0, b.byteLength);
export default () => url.protocol === 'file:' ? import('node:fs/promises').then((fs) => fs.readFile(url)).then(bytes) : fetch(url).then((r) => r.arrayBuffer()).then(bytes);`,
          loader: 'js',
        };
      });
      build.onEnd(() => {
        for (const [name, from] of files) copyFileSync(from, path.join(outdir, name));
      });
    },
  };
}

export async function buildEdgeBundle({ root, outfile, config = {} }) {
  const outdir = path.dirname(outfile);
  for (const { name } of packageFiles(outdir)) if (name.endsWith('.wasm')) rmSync(path.join(outdir, name));
  const files = new Map();
  const { metafile } = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['src/adapters/lambda-edge/index.ts'],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    loader: { '.wasm': 'binary' },
    plugins: [lazyWasm(outdir, files)],
    define: { __EDGE_RESIZER_CONFIG__: JSON.stringify(config) },
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  const bytes = readFileSync(outfile);
  const sideFiles = [...files.keys()].sort().map((name) => ({
    name,
    bytes: readFileSync(path.join(outdir, name)),
  }));
  return { bytes, files: [{ name: path.basename(outfile), bytes }, ...sideFiles], metafile };
}

/** Modules only some requests need: AVIF, colour management, GIF. The rest is the JPEG/PNG/WebP path. */
export const OPTIONAL_WASM = ['avif-decode.wasm', 'avif-encode.wasm', 'colour.wasm', 'gif-decode.wasm'];

/** The files every JPEG, PNG and WebP request may use (no AVIF, no colour engine, no GIF). */
export function corePathFiles(files) {
  return files.filter(({ name }) => !OPTIONAL_WASM.includes(name));
}

/**
 * Size of a .zip holding these files: DEFLATE at the level zip tools use by default for deployment
 * packages, plus each file's local header and central directory entry, and the end record.
 */
export function zippedSize(bytes, name = 'index.mjs') {
  return zippedPackageSize([{ name, bytes }]);
}

export function zippedPackageSize(files) {
  const LOCAL_HEADER = 30;
  const CENTRAL_ENTRY = 46;
  const END_RECORD = 22;
  let total = END_RECORD;
  for (const { name, bytes } of files)
    total += deflateRawSync(bytes, { level: 9 }).length + LOCAL_HEADER + CENTRAL_ENTRY + 2 * name.length;
  return total;
}

/** The deployment package as Lambda gets it: index.mjs and the WebAssembly beside it. */
export function packageFiles(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const wasm = names.filter((name) => name.endsWith('.wasm')).sort();
  return ['index.mjs', ...wasm]
    .filter((name) => names.includes(name))
    .map((name) => ({ name, bytes: readFileSync(path.join(dir, name)) }));
}
