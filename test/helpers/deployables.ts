/**
 * The deployable artefacts (Lambda@Edge bundle, viewer function, build-config.json) built by the
 * real build script from a configuration, into a temporary folder: tests of other configurations
 * never touch dist/, which other test files read at the same time.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { EdgeConfig } from '../../src/adapters/lambda-edge/config.js';
import type { OriginResponseHandler } from '../../src/adapters/lambda-edge/handler.js';
import type { Origin } from '../../src/adapters/lambda-edge/origin.js';

const run = promisify(execFile);

export interface Deployables {
  dir: string;
  /** The resolved configuration, as build-config.json records it. */
  config: EdgeConfig;
  viewerCode: string;
  /** The built bundle's own exports. */
  bundle: {
    config: EdgeConfig;
    createHandler(options: { config: EdgeConfig; origin: Origin }): OriginResponseHandler;
    folderOrigin(root: string): Origin;
  };
}

export async function buildDeployables(overrides: object): Promise<Deployables> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-dist-'));
  const configFile = path.join(dir, 'edge-resizer.config.json');
  writeFileSync(configFile, JSON.stringify(overrides));
  await run(process.execPath, ['scripts/build.mjs', '--quiet', '--config', configFile, '--outdir', dir]);
  const config = JSON.parse(readFileSync(path.join(dir, 'build-config.json'), 'utf8')) as EdgeConfig;
  const viewerCode = readFileSync(path.join(dir, 'cloudfront', 'viewer-request.js'), 'utf8');
  const bundle = await import(pathToFileURL(path.join(dir, 'lambda-edge', 'index.mjs')).href);
  return { dir, config, viewerCode, bundle };
}

export interface Synthesized extends Deployables {
  template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  /** The viewer function's code as the synthesized template (cdk.out) deploys it. */
  templateFunctionCode: string;
}

/** `npm run synth -- --config FILE` into temporary folders: the template and the bundles it deploys. */
export async function synthesize(overrides: object): Promise<Synthesized> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-synth-'));
  const configFile = path.join(dir, 'edge-resizer.config.json');
  writeFileSync(configFile, JSON.stringify(overrides));
  const dist = path.join(dir, 'dist');
  const cdkOut = path.join(dir, 'cdk.out');
  await run(process.execPath, ['scripts/synth.mjs', '--config', configFile, '--dist', dist], {
    env: { ...process.env, CDK_OUTDIR: cdkOut },
  });
  const template = JSON.parse(readFileSync(path.join(cdkOut, 'EdgeResizer.template.json'), 'utf8'));
  const fn = Object.values(template.Resources as Synthesized['template']['Resources']).find(
    (resource) => resource.Type === 'AWS::CloudFront::Function',
  );
  const code = fn?.Properties.FunctionCode;
  if (typeof code !== 'string') throw new Error('no viewer function code in the template');
  const config = JSON.parse(readFileSync(path.join(dist, 'build-config.json'), 'utf8')) as EdgeConfig;
  const viewerCode = readFileSync(path.join(dist, 'cloudfront', 'viewer-request.js'), 'utf8');
  const bundle = await import(pathToFileURL(path.join(dist, 'lambda-edge', 'index.mjs')).href);
  return { dir: dist, config, viewerCode, bundle, template, templateFunctionCode: code };
}
