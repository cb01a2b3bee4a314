/**
 * Event -> the plain description of what is asked: the S3 object (bucket, region, key), the parsed
 * query, the client's Accept and what the origin answered. Pure; no I/O.
 */
import type { ResizerConfig } from '../../core/config.js';
import { keyUrl, objectKey, pathSegments, prefixSegments } from '../../core/keys.js';
import { type ParsedQuery, parseQuery } from '../../core/params.js';
import type {
  CloudFrontHeaders,
  CloudFrontRequest,
  CloudFrontResponse,
  OriginResponseEvent,
} from './types.js';

export interface S3Location {
  bucket: string;
  region: string;
  /** The host CloudFront reaches the bucket at, e.g. `photos.s3.eu-west-1.amazonaws.com`. */
  domainName: string;
}

/** A custom (HTTP) origin: where CloudFront fetched the object, and the headers it added. */
export interface HttpLocation {
  url: string;
  headers: Record<string, string>;
}

export interface EdgeRequest {
  method: string;
  /** The object key, percent-decoded, with the origin path prefix; undefined when unusable. */
  key: string | undefined;
  s3: S3Location | undefined;
  http: HttpLocation | undefined;
  query: ParsedQuery;
  accept: string | undefined;
  originStatus: string;
  originCacheControl: string | undefined;
  /** The origin's Content-Length, when it sent one. */
  originLength: number | undefined;
}

export function headerValue(headers: CloudFrontHeaders, name: string): string | undefined {
  return headers[name.toLowerCase()]?.[0]?.value;
}

export function describeRequest(event: OriginResponseEvent, config?: ResizerConfig): EdgeRequest {
  const cf = event.Records[0]?.cf;
  if (!cf) throw new TypeError('Not a CloudFront event: Records[0].cf is missing');
  const { request, response } = cf;
  const length = headerValue(response.headers, 'content-length');
  return {
    method: request.method,
    key: requestKey(request),
    s3: s3Location(request),
    http: httpLocation(request),
    query: parseQuery(request.querystring ?? '', config),
    accept: headerValue(request.headers, 'accept'),
    originStatus: response.status,
    originCacheControl: headerValue(response.headers, 'cache-control'),
    originLength: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined,
  };
}

/**
 * The object key for the request: the origin path prefix plus the URI, each segment decoded once
 * (core/keys.ts); undefined when a segment is unsafe, which the handler answers with `invalid-key`.
 */
export function requestKey(request: Pick<CloudFrontRequest, 'uri' | 'origin'>): string | undefined {
  const prefix = request.origin?.s3?.path ?? request.origin?.custom?.path ?? '';
  return objectKey(prefix, request.uri);
}

const S3_HOST = /^(.+?)\.s3(?:[.-](?:dualstack\.)?([a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$/;

/** Bucket and region from the S3 origin's domain name (regional, legacy global and dash forms). */
export function s3Location(request: Pick<CloudFrontRequest, 'origin'>): S3Location | undefined {
  const origin = request.origin?.s3;
  if (!origin) return undefined;
  const match = S3_HOST.exec(origin.domainName.toLowerCase());
  if (!match?.[1]) return undefined;
  const region = origin.region || (match[2] && match[2] !== 'external-1' ? match[2] : 'us-east-1');
  return { bucket: match[1], region, domainName: origin.domainName };
}

/**
 * The object's URL at a custom origin, with the origin's custom headers (e.g. a shared secret): the
 * origin's base URL plus the validated key, never the raw URI, so nothing can leave the origin's
 * host or path prefix. Undefined for an unsafe key.
 */
export function httpLocation(request: Pick<CloudFrontRequest, 'origin' | 'uri'>): HttpLocation | undefined {
  const custom = request.origin?.custom;
  if (!custom) return undefined;
  const segments = pathSegments(request.uri);
  if (segments === undefined) return undefined;
  const defaultPort = custom.protocol === 'https' ? 443 : 80;
  const port = custom.port && custom.port !== defaultPort ? `:${custom.port}` : '';
  const base = `${custom.protocol}://${custom.domainName}${port}/${prefixSegments(custom.path ?? '').join('/')}`;
  const headers: Record<string, string> = {};
  for (const [name, entries] of Object.entries(custom.customHeaders ?? {})) {
    const value = entries[0]?.value;
    if (value !== undefined) headers[name] = value;
  }
  return { url: keyUrl(base, segments.join('/')).href, headers };
}

export function originResponse(event: OriginResponseEvent): CloudFrontResponse {
  const response = event.Records[0]?.cf.response;
  if (!response) throw new TypeError('Not a CloudFront event: Records[0].cf.response is missing');
  return response;
}
