// The Lambda@Edge bundle: one ESM file exporting `handler`, the configuration baked in through `define`
// (Lambda@Edge has no environment variables). The WebAssembly every request may need is embedded;
// the modules few requests need (LittleCMS, GIF, AVIF) are files beside index.mjs, read and compiled
// on first use, so a cold start that never meets them neither parses nor decodes them.
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import * as esbuild from 'esbuild';

/** WebAssembly kept out of index.mjs, by file name. */
export const LAZY_WASM = ['colour.wasm', 'gif-decode.wasm', 'avif_enc.wasm', 'avif_dec.wasm'];

/** Imports of a lazy module become a function that reads the file next to the bundle. */
function lazyWasm(outdir, files) {
  return {
    name: 'lazy-wasm',
    setup(build) {
      build.onLoad({ filter: /\.wasm$/ }, (args) => {
        const name = path.basename(args.path);
        if (!LAZY_WASM.includes(name)) return undefined;
        files.set(name, args.path);
        return {
          contents: `const url = new URL(${JSON.stringify(`./${name}`)}, import.meta.url);
export default () => import('node:fs/promises').then((fs) => fs.readFile(url)).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));`,
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
  for (const name of LAZY_WASM) rmSync(path.join(outdir, name), { force: true });
  const files = new Map();
  await esbuild.build({
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
  });
  const bytes = readFileSync(outfile);
  const sideFiles = [...files.keys()].sort().map((name) => ({
    name,
    bytes: readFileSync(path.join(outdir, name)),
  }));
  return { bytes, files: [{ name: path.basename(outfile), bytes }, ...sideFiles] };
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

/** The deployment package as CloudFront's Lambda gets it: every file of the bundle's folder. */
export function packageFiles(dir) {
  const names = ['index.mjs', ...LAZY_WASM];
  return names.flatMap((name) => {
    try {
      return [{ name, bytes: readFileSync(path.join(dir, name)) }];
    } catch {
      return [];
    }
  });
}
