// The Lambda@Edge bundle: one ESM file exporting `handler`, every WebAssembly module embedded, the
// configuration baked in through `define` (Lambda@Edge has no environment variables).
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import * as esbuild from 'esbuild';

export async function buildEdgeBundle({ root, outfile, config = {} }) {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['src/adapters/lambda-edge/index.ts'],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    loader: { '.wasm': 'binary' },
    define: { __EDGE_RESIZER_CONFIG__: JSON.stringify(config) },
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return { bytes: readFileSync(outfile) };
}

/**
 * Size of a .zip holding the bundle as index.mjs: DEFLATE at the level zip tools use by default for
 * deployment packages, plus the local header, central directory entry and end record.
 */
export function zippedSize(bytes, name = 'index.mjs') {
  const LOCAL_HEADER = 30;
  const CENTRAL_ENTRY = 46;
  const END_RECORD = 22;
  return (
    deflateRawSync(bytes, { level: 9 }).length + LOCAL_HEADER + CENTRAL_ENTRY + 2 * name.length + END_RECORD
  );
}
