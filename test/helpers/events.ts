/** A typed builder for CloudFront origin-response events, shaped as CloudFront sends them. */
import type { CloudFrontHeaders, OriginResponseEvent } from '../../src/adapters/lambda-edge/types.js';

export interface EventSpec {
  uri: string;
  querystring?: string;
  accept?: string;
  status?: string;
  statusDescription?: string;
  /** Extra origin response headers, lowercase name -> value. */
  responseHeaders?: Record<string, string>;
  domainName?: string;
  originPath?: string;
  /** OAC events may carry no region; OAI events do. */
  region?: string | undefined;
  authMethod?: 'origin-access-identity' | 'none';
  /** A custom (HTTP) origin instead of S3. */
  custom?: {
    domainName: string;
    port: number;
    protocol: 'http' | 'https';
    path?: string;
    headers?: Record<string, string>;
  };
}

function headers(values: Record<string, string>): CloudFrontHeaders {
  const out: CloudFrontHeaders = {};
  for (const [name, value] of Object.entries(values)) {
    out[name] = [
      { key: name.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase()), value },
    ];
  }
  return out;
}

export function originResponseEvent(spec: EventSpec): OriginResponseEvent {
  const status = spec.status ?? '200';
  return {
    Records: [
      {
        cf: {
          config: {
            distributionDomainName: 'd111111abcdef8.cloudfront.net',
            distributionId: 'EDFDVBD6EXAMPLE',
            eventType: 'origin-response',
            requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
          },
          request: {
            clientIp: '203.0.113.178',
            method: 'GET',
            uri: spec.uri,
            querystring: spec.querystring ?? '',
            headers: headers({
              host: spec.domainName ?? 'photos.s3.us-east-1.amazonaws.com',
              'user-agent': 'Amazon CloudFront',
              ...(spec.accept !== undefined ? { accept: spec.accept } : {}),
            }),
            origin: spec.custom
              ? {
                  custom: {
                    customHeaders: headers(spec.custom.headers ?? {}),
                    domainName: spec.custom.domainName,
                    path: spec.custom.path ?? '',
                    port: spec.custom.port,
                    protocol: spec.custom.protocol,
                  },
                }
              : {
                  s3: {
                    authMethod: spec.authMethod ?? 'origin-access-identity',
                    customHeaders: {},
                    domainName: spec.domainName ?? 'photos.s3.us-east-1.amazonaws.com',
                    path: spec.originPath ?? '',
                    ...(spec.region !== undefined ? { region: spec.region } : {}),
                  },
                },
          },
          response: {
            status,
            statusDescription: spec.statusDescription ?? (status === '200' ? 'OK' : 'Origin status'),
            headers: headers({
              'x-amz-request-id': 'EXAMPLE1234567890',
              date: 'Thu, 26 Nov 2026 05:00:00 GMT',
              'last-modified': 'Wed, 25 Nov 2026 12:00:00 GMT',
              etag: '"0123456789abcdef0123456789abcdef"',
              server: 'AmazonS3',
              via: '1.1 a1b2c3d4.cloudfront.net (CloudFront)',
              'transfer-encoding': 'chunked',
              ...spec.responseHeaders,
            }),
          },
        },
      },
    ],
  };
}
