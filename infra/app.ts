/** The CDK app: `npm run synth` (offline, no credentials) or `npx cdk deploy` after `npm run build`. */
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readDeployConfig, viewerPolicy } from './config.js';
import { EdgeResizerStack } from './stack.js';

const root = process.cwd();
const app = new App({ outdir: process.env.CDK_OUTDIR ?? path.join(root, 'cdk.out') });
const deploy = readDeployConfig(app.node);
new EdgeResizerStack(app, deploy.stackName, {
  deploy,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT },
  lambdaCodeDir: path.join(root, 'dist', 'lambda-edge'),
  viewer: viewerPolicy(path.join(root, 'edge-resizer.config.json')),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
