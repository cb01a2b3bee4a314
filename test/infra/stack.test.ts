import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, test } from 'vitest';
import { DEPLOY_DEFAULTS } from '../../infra/config.js';
import { builtArtefacts, CACHE_KEY_PARAMETERS, EdgeResizerStack } from '../../infra/stack.js';
import { resolveEdgeConfig } from '../../src/adapters/lambda-edge/config.js';

// The CDK stack, synthesised offline with cdk-nag's AwsSolutions pack, asserted resource by
// resource (targeted matchers, no whole-template snapshot).
function synth(deploy = DEPLOY_DEFAULTS, config = resolveEdgeConfig({})) {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'edge-resizer-cdk-')) });
  const stack = new EdgeResizerStack(app, 'EdgeResizer', {
    deploy,
    distDir: path.resolve('dist'),
    config,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth(); // throws when a rule fails without an acknowledgement
  return { app, stack, template: Template.fromStack(stack) };
}

let template: Template;
let stack: EdgeResizerStack;

beforeAll(() => {
  ({ template, stack } = synth());
}, 120_000);

test('the stack is pinned to us-east-1, so the edge function is in-stack', () => {
  expect(stack.region).toBe('us-east-1');
  template.resourceCountIs('AWS::Lambda::Function', 1);
  template.resourceCountIs('AWS::SSM::Parameter', 0); // no cross-region plumbing
});

describe('distribution', () => {
  test('origin-response association to a numbered version, viewer-request function, HTTPS', () => {
    const [versionId] = Object.keys(template.findResources('AWS::Lambda::Version'));
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          LambdaFunctionAssociations: [
            { EventType: 'origin-response', LambdaFunctionARN: { Ref: versionId } },
          ],
          FunctionAssociations: [
            {
              EventType: 'viewer-request',
              FunctionARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ViewerRequest'), 'FunctionARN'] },
            },
          ],
        }),
        Origins: [
          Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: Match.anyValue() }),
        ],
      }),
    });
  });

  test('the cache key holds every recognised parameter and nothing else', () => {
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: CACHE_KEY_PARAMETERS },
          HeadersConfig: { HeaderBehavior: 'none' },
          CookiesConfig: { CookieBehavior: 'none' },
        }),
      }),
    });
    expect(CACHE_KEY_PARAMETERS).toEqual(['width', 'height', 'fit', 'format', 'quality']);
  });

  test('Origin Access Control signs every request to S3', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      }),
    });
  });

  test('the viewer-request function runs on cloudfront-js-2.0, published', () => {
    template.hasResourceProperties('AWS::CloudFront::Function', {
      AutoPublish: true,
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
      FunctionCode: readFileSync('dist/cloudfront/viewer-request.js', 'utf8'),
    });
  });
});

describe('bucket', () => {
  test('private, encrypted, SSL only, readable by the distribution alone', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });
});

describe('edge function', () => {
  test('Node.js 22 on x86_64, 30 s, measured memory, no environment variables', () => {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: Record<string, unknown>;
    }[];
    expect(fn?.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['x86_64'],
      Timeout: 30,
      MemorySize: 1769,
      Handler: 'index.handler',
    });
    expect(fn?.Properties.Environment).toBeUndefined();
  });

  test('its role is trusted by lambda and edgelambda', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: Match.arrayWith(
          ['lambda.amazonaws.com', 'edgelambda.amazonaws.com'].map((service) =>
            Match.objectLike({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: service } }),
          ),
        ),
      },
    });
  });

  test('least privilege: logs and s3:GetObject on the bucket objects, nothing on "*"', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
    }[];
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.sort()).toEqual([
      'logs:CreateLogGroup',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
    ]);
    for (const statement of statements) expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
    const read = statements.find((s) => s.Action === 's3:GetObject');
    expect(JSON.stringify(read?.Resource)).toMatch(/Originals.*Arn.*\/\*/);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    expect(JSON.stringify(template.findResources('AWS::IAM::Role'))).not.toContain('ManagedPolicyArns');
  });
});

test('an existing bucket can be served instead of a new one', () => {
  const { template: existing } = synth({ ...DEPLOY_DEFAULTS, bucketName: 'my-photos' });
  existing.resourceCountIs('AWS::S3::Bucket', 0);
  existing.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Resource: { 'Fn::Join': ['', Match.arrayWith([':s3:::my-photos/*'])] } }),
      ]),
    },
  });
});

test('cdk-nag is live: an unreasoned finding fails synthesis', () => {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'edge-resizer-nag-')) });
  const bare = new Stack(app, 'Bare', { env: { region: 'us-east-1' } });
  new s3.Bucket(bare, 'Plain');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
});

test('npm run synth writes the template offline, without AWS credentials, and prints where', async () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-synth-'));
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: outdir };
  for (const name of Object.keys(env))
    if (name.startsWith('AWS_') || name === 'CDK_DEFAULT_ACCOUNT') delete env[name];
  const dist = mkdtempSync(path.join(tmpdir(), 'edge-resizer-dist-'));
  const { stderr } = await promisify(execFile)(process.execPath, ['scripts/synth.mjs', '--dist', dist], {
    env,
  });
  const templates = readdirSync(outdir).filter((name) => name.endsWith('.template.json'));
  expect(templates).toEqual(['EdgeResizer.template.json']);
  // It says where the template went.
  expect(stderr).toBe(`synth: template written to ${path.join(outdir, 'EdgeResizer.template.json')}\n`);
  expect(
    JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')).pluginReports[0].conclusion,
  ).toBe('success');
}, 60_000);

describe('one configuration: a bundle built from another never reaches a deploy', () => {
  test('the stack refuses a dist/ built from a different configuration', () => {
    expect(() => builtArtefacts(path.resolve('dist'), resolveEdgeConfig({ allowedWidths: [320] }))).toThrow(
      /was built from a different configuration/,
    );
    expect(() => synth(DEPLOY_DEFAULTS, resolveEdgeConfig({ signing: { required: true } }))).toThrow(
      /different configuration/,
    );
  });

  test('and takes the one built from the same configuration', () => {
    expect(builtArtefacts(path.resolve('dist'), resolveEdgeConfig({})).viewerCode).toMatch(
      /function handler\(/,
    );
  });

  test.each([
    ['{"alowedWidths":[320]}', /unknown field alowedWidths/],
    ['{"formats":{"avif":"yes"}}', /true or false for formats.avif/],
    ['{"limits":{"maxInputPixels":0}}', /limits.maxInputPixels/],
    ['{"signing":{"required":"yes"}}', /signing.required/],
    ['{"allowedQualities":[0]}', /allowedQualities\[0\]/],
    ['not json', /is not valid JSON/],
  ])(
    'npm run synth with %s fails naming the field, writing no template',
    async (text, message) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-bad-'));
      writeFileSync(path.join(dir, 'config.json'), text);
      const outdir = path.join(dir, 'cdk.out');
      const result = promisify(execFile)(
        process.execPath,
        ['scripts/synth.mjs', '--config', path.join(dir, 'config.json'), '--dist', path.join(dir, 'dist')],
        { env: { ...process.env, CDK_OUTDIR: outdir } },
      );
      await expect(result).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
      expect((await result.catch((e: { stderr: string }) => e)).stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(path.join(outdir, 'EdgeResizer.template.json'))).toBe(false);
    },
    60_000,
  );
});

test('npm run deploy builds from its --config first: a bad file stops it before cdk deploys anything', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-deploy-'));
  writeFileSync(path.join(dir, 'config.json'), '{"alowedWidths":[320]}');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CDK_OUTDIR: path.join(dir, 'cdk.out'),
    EDGE_RESIZER_DIST: path.join(dir, 'dist'),
  };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  // Credentials are checked first (test/deploy.test.ts); these pass that check and reach no account.
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'example',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const failed = await promisify(execFile)(
    process.execPath,
    [
      'scripts/deploy.mjs',
      '--config',
      path.join(dir, 'config.json'),
      '--no-notices',
      '--require-approval',
      'never',
    ],
    { env },
  ).catch((error: { code: number; stderr: string; stdout: string }) => error);
  expect(failed).toMatchObject({ code: expect.any(Number) });
  expect((failed as { code: number }).code).not.toBe(0);
  expect((failed as { stderr: string }).stderr).toContain('unknown field alowedWidths');
  expect(existsSync(path.join(dir, 'cdk.out', 'EdgeResizer.template.json'))).toBe(false);
}, 120_000);
