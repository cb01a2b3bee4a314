#!/usr/bin/env node
// `npm run deploy [-- --config FILE] [cdk deploy options]`: `cdk deploy` with the app of cdk.json
// (scripts/synth.mjs), which builds dist/ from the same configuration file before synthesising, so
// the deployed bundles and the template cannot disagree (outputs written to cdk-outputs.json).
// Needs AWS credentials, checked first so a missing one costs no build, and a bootstrapped
// us-east-1 (npx cdk bootstrap aws://ACCOUNT/us-east-1).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentialSource, instanceRoleAnswers } from './aws-credentials.mjs';

const found = credentialSource(process.env);
if ('problem' in found && !(await instanceRoleAnswers(process.env))) {
  console.error(`deploy: ${found.problem}: run ${found.fix}, then npm run deploy again`);
  process.exit(1);
}

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const at = args.indexOf('--config');
const env = { ...process.env };
if (at !== -1) {
  const file = args[at + 1];
  if (!file) {
    console.error('deploy: --config needs a file');
    process.exit(2);
  }
  env.EDGE_RESIZER_CONFIG = path.resolve(file);
  args.splice(at, 2);
}
// The stack's outputs (Url, BucketName, ...) also go to cdk-outputs.json, for the README's next steps.
if (!args.some((arg) => arg.startsWith('--outputs-file'))) args.push('--outputs-file', 'cdk-outputs.json');
const cdk = path.join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk');
const run = spawnSync(process.execPath, [cdk, 'deploy', ...args], { cwd: root, env, stdio: 'inherit' });
process.exit(run.status ?? 1);
