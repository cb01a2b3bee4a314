#!/usr/bin/env node
// Builds dist/ from the configuration, then runs the CDK app (infra/app.ts, bundled by esbuild with
// the CDK packages left external), so the template and the bundles always come from one file.
// `npm run synth [-- --config FILE]` writes cdk.out/ offline; cdk.json points the CDK CLI here, so
// `npm run deploy` (and `npx cdk deploy`) build and synthesise the same way.
// The configuration: --config FILE, else $EDGE_RESIZER_CONFIG, else edge-resizer.config.json if present.
// --dist DIR builds the deployables there instead of dist/ (tests); CDK_OUTDIR moves cdk.out.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { config: { type: 'string' }, dist: { type: 'string' } },
  strict: false,
});
const distArg = typeof values.dist === 'string' ? values.dist : process.env.EDGE_RESIZER_DIST || undefined;
const dist = distArg ? path.resolve(distArg) : undefined;
const configFile =
  typeof values.config === 'string'
    ? path.resolve(values.config)
    : process.env.EDGE_RESIZER_CONFIG || undefined;

try {
  execFileSync(
    process.execPath,
    [
      path.join(root, 'scripts', 'build.mjs'),
      '--quiet',
      ...(configFile ? ['--config', configFile] : []),
      ...(dist ? ['--outdir', dist] : []),
    ],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
  );
} catch (error) {
  process.exit(error.status ?? 1); // build printed its one line
}

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
if (configFile) process.env.EDGE_RESIZER_CONFIG = configFile;
if (dist) process.env.EDGE_RESIZER_DIST = dist;
try {
  createRequire(import.meta.url)(outfile);
  // Say where the template went, unless the CDK CLI runs this app (deploy), which reports its own.
  if (!process.env.CDK_CLI_VERSION) {
    const outdir = process.env.CDK_OUTDIR || path.join(root, 'cdk.out');
    const templates = readdirSync(outdir).filter((name) => name.endsWith('.template.json'));
    for (const name of templates) {
      const file = path.join(outdir, name);
      const relative = path.relative(process.cwd(), file);
      console.error(`synth: template written to ${relative.startsWith('..') ? file : relative}`);
    }
  }
} catch (error) {
  console.error(`synth: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  rmSync(outfile, { force: true });
}
