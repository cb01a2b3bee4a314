/**
 * The whole deployment in one us-east-1 stack: a private bucket, a distribution reaching it through
 * Origin Access Control, a viewer-request CloudFront Function that canonicalises the cache key, and
 * the resizer on the origin-response trigger. Lambda@Edge functions must live in us-east-1; a stack
 * pinned there keeps the function in-stack, with no cross-region support stack.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { EdgeConfig } from '../src/adapters/lambda-edge/config.js';
import type { DeployConfig } from './config.js';

/** The query parameters the resizer reads: the whole cache key besides the path. */
export const CACHE_KEY_PARAMETERS = ['width', 'height', 'fit', 'format', 'quality'];

export interface EdgeResizerStackProps extends StackProps {
  deploy: DeployConfig;
  /** The build output: lambda-edge/index.mjs, cloudfront/viewer-request.js, build-config.json. */
  distDir: string;
  /** The resolved configuration this deployment is for: dist/ must have been built from it. */
  config: EdgeConfig;
}

/** The built artefacts, refused unless they were built from `config` (no drifted bundle deploys). */
export function builtArtefacts(distDir: string, config: EdgeConfig) {
  const stamp = path.join(distDir, 'build-config.json');
  const lambdaCodeDir = path.join(distDir, 'lambda-edge');
  const viewerFile = path.join(distDir, 'cloudfront', 'viewer-request.js');
  for (const file of [stamp, path.join(lambdaCodeDir, 'index.mjs'), viewerFile]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  }
  const built = JSON.parse(readFileSync(stamp, 'utf8'));
  if (JSON.stringify(built) !== JSON.stringify(config)) {
    throw new Error(
      `${distDir} was built from a different configuration than this deployment's: rebuild with npm run build -- --config FILE (npm run synth and npm run deploy do)`,
    );
  }
  return { lambdaCodeDir, viewerCode: readFileSync(viewerFile, 'utf8') };
}

export class EdgeResizerStack extends Stack {
  constructor(scope: Construct, id: string, props: EdgeResizerStackProps) {
    super(scope, id, { ...props, env: { account: props.env?.account, region: 'us-east-1' } });
    const { deploy, config } = props;
    const { lambdaCodeDir, viewerCode } = builtArtefacts(props.distDir, config);

    const bucket = deploy.bucketName
      ? s3.Bucket.fromBucketName(this, 'Originals', deploy.bucketName)
      : new s3.Bucket(this, 'Originals', {
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
          encryption: s3.BucketEncryption.S3_MANAGED,
          enforceSSL: true,
          objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
          removalPolicy: RemovalPolicy.RETAIN,
        });

    const functionName = `${this.stackName}-origin-response`;
    const role = new iam.Role(this, 'EdgeRole', {
      description: 'edge-resizer origin-response function: logs, and reads of the originals bucket',
      assumedBy: new iam.CompositePrincipal(
        new iam.ServicePrincipal('lambda.amazonaws.com'),
        new iam.ServicePrincipal('edgelambda.amazonaws.com'),
      ),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Logs',
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        // Replicas log to /aws/lambda/us-east-1.<name> in whichever Region served the request.
        resources: [
          `arn:${this.partition}:logs:*:${this.account}:log-group:/aws/lambda/us-east-1.${functionName}:*`,
          `arn:${this.partition}:logs:us-east-1:${this.account}:log-group:/aws/lambda/${functionName}:*`,
        ],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadOriginals',
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects('*')],
      }),
    );

    const resizer = new cloudfront.experimental.EdgeFunction(this, 'OriginResponse', {
      functionName,
      description: 'edge-resizer: resizes images on the origin-response trigger',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.X86_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(lambdaCodeDir),
      memorySize: deploy.memorySize,
      timeout: Duration.seconds(30),
      role,
    });

    // The signing secret lives in a key value store, never in the template or a bundle: put it
    // there with `aws cloudfront-keyvaluestore put-key` (README, "Signed URLs").
    const secrets = config.signing.required
      ? new cloudfront.KeyValueStore(this, 'SigningSecret', {
          comment: 'edge-resizer: URL signing secrets (signing-secret; signing-secret-ID for kid=ID)',
        })
      : undefined;
    const viewerRequest = new cloudfront.Function(this, 'ViewerRequest', {
      comment: 'edge-resizer: canonical query and format before the cache key',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(viewerCode),
      ...(secrets ? { keyValueStore: secrets } : {}),
    });

    const cachePolicy = new cloudfront.CachePolicy(this, 'ResizedImages', {
      comment: 'edge-resizer: path plus the canonical resize parameters',
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList(...CACHE_KEY_PARAMETERS),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      defaultTtl: Duration.days(deploy.defaultTtlDays),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
    });

    const distribution = new cloudfront.Distribution(this, 'Cdn', {
      comment: `edge-resizer (${this.stackName})`,
      priceClass: PRICE_CLASSES[deploy.priceClass],
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy,
        functionAssociations: [
          { function: viewerRequest, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
        edgeLambdas: [
          {
            functionVersion: resizer.currentVersion,
            eventType: cloudfront.LambdaEdgeEventType.ORIGIN_RESPONSE,
          },
        ],
      },
    });

    new CfnOutput(this, 'Url', { value: `https://${distribution.distributionDomainName}` });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'FunctionName', { value: functionName });
    if (secrets) new CfnOutput(this, 'SigningSecretStoreArn', { value: secrets.keyValueStoreArn });
    acknowledgeDecisions(this);
    // The role's three scoped wildcards: this function's log groups (replica Regions are not known in
    // advance) and the objects of the one originals bucket.
    const objects =
      bucket instanceof s3.Bucket
        ? `<${this.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*`
        : `arn:<AWS::Partition>:s3:::${deploy.bucketName}/*`;
    for (const resource of [
      `arn:<AWS::Partition>:logs:*:<AWS::AccountId>:log-group:/aws/lambda/us-east-1.${functionName}:*`,
      `arn:<AWS::Partition>:logs:us-east-1:<AWS::AccountId>:log-group:/aws/lambda/${functionName}:*`,
      objects,
    ]) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
        reason:
          'Scoped wildcard: log streams of this function only, or objects of the originals bucket (s3:GetObject only).',
      });
    }
  }
}

const PRICE_CLASSES = {
  '100': cloudfront.PriceClass.PRICE_CLASS_100,
  '200': cloudfront.PriceClass.PRICE_CLASS_200,
  All: cloudfront.PriceClass.PRICE_CLASS_ALL,
} as const;

/** cdk-nag findings that are decisions, each acknowledged with its reason. */
function acknowledgeDecisions(stack: Stack): void {
  const decisions: Record<string, string> = {
    'AwsSolutions-L1':
      'Lambda@Edge supports Node.js 20 and 22 only; the function is pinned to the newest of those, 22.',
    'AwsSolutions-CFR1': 'An image CDN serves every country; geo restriction is for the owner to add.',
    'AwsSolutions-CFR2':
      'AWS WAF costs per request and rule; the resizer refuses hostile input itself. Attach a web ACL as needed.',
    'AwsSolutions-CFR3':
      'Standard logs need a log bucket with ACLs; left to the owner. Function logs go to CloudWatch in each Region.',
    'AwsSolutions-CFR4':
      'The default *.cloudfront.net certificate only allows the TLSv1 security policy; a custom domain sets TLSv1.2_2021.',
    'AwsSolutions-S1':
      'S3 server access logs cost storage per request; reads are logged by CloudFront and the function.',
  };
  for (const [id, reason] of Object.entries(decisions)) Validations.of(stack).acknowledge({ id, reason });
}
