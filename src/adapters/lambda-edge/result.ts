/**
 * Core outcome -> CloudFront result. Both kinds mutate the incoming response object, as CloudFront
 * requires (Transfer-Encoding and Via are read-only: changing or deleting them fails the request);
 * a passthrough only gains the reason header, so CloudFront serves the origin's body itself.
 */
import {
  isTransient,
  PASSTHROUGH_HEADER,
  type PassthroughReason,
  passthroughHeaders,
  TRANSIENT_CACHE_CONTROL,
} from '../../core/respond.js';
import type { TransformResult } from '../../core/transform.js';
import type { CloudFrontHeaders, CloudFrontResponse } from './types.js';

/** Origin headers that describe the original's bytes and would be wrong for a generated body. */
const STALE_FOR_GENERATED_BODY = [
  'content-length',
  'content-encoding',
  'content-range',
  'content-md5',
  'accept-ranges',
];

export function titleCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

export function setHeader(headers: CloudFrontHeaders, name: string, value: string): void {
  const lower = name.toLowerCase();
  headers[lower] = [{ key: titleCase(lower), value }];
}

/**
 * The origin's response with the reason header. A transient reason also replaces the origin's
 * caching with a few seconds (TRANSIENT_CACHE_CONTROL): CloudFront would otherwise keep the
 * full-size original under the resize's key for the origin's lifetime or the policy's default TTL.
 */
export function passthrough(response: CloudFrontResponse, reason: PassthroughReason): CloudFrontResponse {
  setHeader(response.headers, PASSTHROUGH_HEADER, reason);
  const type = response.headers['content-type']?.[0]?.value;
  for (const [name, value] of Object.entries(passthroughHeaders(type)))
    setHeader(response.headers, name, value);
  if (isTransient(reason)) {
    setHeader(response.headers, 'cache-control', TRANSIENT_CACHE_CONTROL);
    delete response.headers.expires;
  }
  return response;
}

/** A HEAD's answer: the headers the GET would carry, no body (and no length, which needs the work). */
export function planned(response: CloudFrontResponse, headers: Record<string, string>): CloudFrontResponse {
  rewriteHeaders(response.headers, headers);
  response.status = '200';
  response.statusDescription = 'OK';
  return response;
}

/**
 * The generated response, or undefined when it would exceed `budgetBytes` (then the caller passes
 * the origin's response through, untouched but for the reason header).
 */
export function resized(
  response: CloudFrontResponse,
  result: TransformResult,
  headers: Record<string, string>,
  budgetBytes: number,
): CloudFrontResponse | undefined {
  const body = base64(result.data);
  // Measure on a copy first: a response over the limit makes CloudFront answer 502.
  const candidate = structuredClone(response.headers);
  rewriteHeaders(candidate, headers);
  if (body.length + headerBytes(candidate) + STATUS_LINE_BYTES > budgetBytes) return undefined;
  rewriteHeaders(response.headers, headers);
  response.status = '200';
  response.statusDescription = 'OK';
  response.body = body;
  response.bodyEncoding = 'base64';
  return response;
}

const STATUS_LINE_BYTES = 32;

function rewriteHeaders(target: CloudFrontHeaders, headers: Record<string, string>): void {
  for (const name of STALE_FOR_GENERATED_BODY) delete target[name];
  for (const [name, value] of Object.entries(headers)) {
    setHeader(target, name, name === 'vary' ? mergeVary(target.vary, value) : value);
  }
}

/** Keeps the origin's Vary entries (S3 sends some for CORS) and adds ours once. */
function mergeVary(existing: CloudFrontHeaders[string] | undefined, value: string): string {
  const names = (existing ?? [])
    .flatMap((h) => h.value.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (!names.some((n) => n.toLowerCase() === value.toLowerCase())) names.push(value);
  return names.join(', ');
}

/** Bytes of headers as CloudFront counts them, near enough: name, value and separators. */
export function headerBytes(headers: CloudFrontHeaders): number {
  let total = 0;
  for (const [name, entries] of Object.entries(headers)) {
    for (const entry of entries) total += name.length + entry.value.length + 4;
  }
  return total;
}

/** Size of a generated response: body as sent (base64) plus headers and status line. */
export function generatedSize(response: CloudFrontResponse): number {
  return (response.body?.length ?? 0) + headerBytes(response.headers) + STATUS_LINE_BYTES;
}

/** The largest image whose base64 body, with `headerAllowance` bytes of headers, fits the budget. */
export function imageBudget(budgetBytes: number, headerAllowance: number): number {
  return Math.floor(((budgetBytes - headerAllowance) * 3) / 4);
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
