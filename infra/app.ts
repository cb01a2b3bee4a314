/**
 * The CDK app: `npm run synth` (offline, no credentials) or `npm run deploy`, both of which build
 * dist/ from the same configuration first. The configuration file is `--config FILE` of those
 * scripts (passed on as EDGE_RESIZER_CONFIG), else edge-resizer.config.json; the stack refuses a
 * dist/ built from any other.
 */
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../src/adapters/node/config-file.js';
import { readDeployConfig } from './config.js';
import { EdgeResizerStack } from './stack.js';

const root = process.cwd();
const app = new App({ outdir: process.env.CDK_OUTDIR ?? path.join(root, 'cdk.out') });
const deploy = readDeployConfig(app.node);
const { config } = loadConfig(process.env.EDGE_RESIZER_CONFIG || undefined, root);
new EdgeResizerStack(app, deploy.stackName, {
  deploy,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT },
  distDir: process.env.EDGE_RESIZER_DIST || path.join(root, 'dist'),
  config,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
