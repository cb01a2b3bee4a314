#!/usr/bin/env node
// Runs the CDK app (infra/app.ts), bundled by esbuild with the CDK packages left external.
// `npm run synth` writes cdk.out/ offline; cdk.json points the CDK CLI here for `npx cdk deploy`.
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['infra/app.ts'],
  bundle: true,
  write: false,
  // CommonJS, because the CDK packages are CommonJS and their exports are not all visible to ESM.
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  define: { 'import.meta.url': JSON.stringify(pathToFileURL(path.join(root, 'infra', 'app.ts')).href) },
  logLevel: 'warning',
});
const outfile = path.join(root, 'infra', `.app-${process.pid}.cjs`);
writeFileSync(outfile, result.outputFiles[0].text);
try {
  createRequire(import.meta.url)(outfile);
} finally {
  rmSync(outfile, { force: true });
}
