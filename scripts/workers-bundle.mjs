// The Cloudflare module worker: dist/workers/index.mjs with its WebAssembly modules beside it as
// .wasm files, imported as compiled modules (Workers refuse to compile WebAssembly at run time), and
// the configuration baked in as for Lambda@Edge. Built by esbuild alone: no wrangler.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

export async function buildWorker({ root, outdir, config = {} }) {
  const { metafile } = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { index: 'src/adapters/workers/index.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['worker', 'browser', 'import'],
    target: 'es2022',
    loader: { '.wasm': 'copy' },
    assetNames: '[name]-[hash]',
    define: { __EDGE_RESIZER_CONFIG__: JSON.stringify(config) },
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  const files = readdirSync(outdir).map((name) => ({ name, bytes: statSync(path.join(outdir, name)).size }));
  return { files, metafile };
}
