/**
 * S3 GetObject signed with SigV4 by aws4fetch: 7.5 KB minified (3 KB gzipped), built on fetch and
 * WebCrypto, so the same origin runs on every edge runtime. The AWS SDK v3 client that the Lambda
 * Node.js runtime ships would add no bundle bytes, but it is Node-only and its module graph loads on
 * every cold start; a single signed GET needs none of its retries, middleware or credential chain
 * (Lambda hands the function its credentials as environment variables). Retries: at most one, for
 * throttling, 5xx and network errors, inside the fetch budget (origin.ts).
 */
import { AwsClient } from 'aws4fetch';
import { ResizerError } from '../../core/errors.js';
import { keyUrl } from '../../core/keys.js';
import { foundOrNot, type Origin, rangeHeader, readBody, withOneRetry } from './origin.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface S3OriginOptions {
  credentials: () => S3Credentials;
  /** An S3-compatible endpoint (path-style), e.g. `http://127.0.0.1:4569`; default: the event's S3 host. */
  endpoint?: string | undefined;
  /** A bucket to read instead of the event's (replaying an event against another bucket). */
  bucket?: string | undefined;
}

export function s3Origin(options: S3OriginOptions): Origin {
  return async ({ key, s3, maxBytes, firstBytes, signal }) => {
    const bucket = options.bucket ?? s3?.bucket;
    if (!bucket) throw new ResizerError('unsupported-input', 'The origin is not an S3 bucket');
    const base = options.endpoint
      ? `${options.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(bucket)}/`
      : `https://${s3?.domainName}/`;
    const url = keyUrl(base, key).href;
    const client = new AwsClient({
      ...options.credentials(),
      service: 's3',
      region: s3?.region ?? 'us-east-1',
      retries: 0, // aws4fetch would retry 10 times, sleeping past the budget: one retry is ours
    });
    const headers = rangeHeader(firstBytes);
    const response = await withOneRetry(() => client.fetch(url, { method: 'GET', headers, signal }), signal);
    const found = await foundOrNot(response, `S3 answered ${response.status} for ${key}`);
    return found && readBody(found, maxBytes, firstBytes);
  };
}

/** Credentials from the reserved variables every Lambda function (Lambda@Edge included) receives. */
export function environmentCredentials(env: Record<string, string | undefined>): S3Credentials {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN } = env;
  if (!accessKeyId || !secretAccessKey) throw new Error('No AWS credentials in the environment');
  return { accessKeyId, secretAccessKey, sessionToken: AWS_SESSION_TOKEN };
}
