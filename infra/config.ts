/**
 * Deployment settings, from CDK context (`-c name=value` or cdk.json), with defaults measured or
 * reasoned in the README's "Deploy" section. The resizer's own configuration (formats, limits,
 * allowlists, signing) lives in edge-resizer.config.json and is baked into both functions by
 * `npm run build`.
 */
import type { Node } from 'constructs';

export interface DeployConfig {
  stackName: string;
  /** Serve an existing bucket instead of creating one (its policy must then allow the distribution). */
  bucketName?: string | undefined;
  /** Lambda@Edge memory, MB: 1769 MB is one full vCPU and holds the 25 MP default limit (peak 1.44 GB). */
  memorySize: number;
  /** CloudFront price class: 100, 200 or All. */
  priceClass: '100' | '200' | 'All';
  /** Cache lifetime of resized images when the origin sets no Cache-Control, in days. */
  defaultTtlDays: number;
}

export const DEPLOY_DEFAULTS: DeployConfig = {
  stackName: 'EdgeResizer',
  memorySize: 1769,
  priceClass: '100',
  defaultTtlDays: 30,
};

export function readDeployConfig(node: Node): DeployConfig {
  const get = (name: string): string | undefined => {
    const value = node.tryGetContext(name);
    return value === undefined || value === null ? undefined : String(value);
  };
  const number = (name: keyof DeployConfig, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return DEPLOY_DEFAULTS[name] as number;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`Expected integer between ${min} and ${max} for ${name} but received '${raw}'`);
    }
    return value;
  };
  const priceClass = get('priceClass') ?? DEPLOY_DEFAULTS.priceClass;
  if (!['100', '200', 'All'].includes(priceClass)) {
    throw new Error(`Expected one of 100, 200, All for priceClass but received '${priceClass}'`);
  }
  return {
    stackName: get('stackName') ?? DEPLOY_DEFAULTS.stackName,
    bucketName: get('bucketName'),
    memorySize: number('memorySize', 128, 10240),
    priceClass: priceClass as DeployConfig['priceClass'],
    defaultTtlDays: number('defaultTtlDays', 0, 365),
  };
}
