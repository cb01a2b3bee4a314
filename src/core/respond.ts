/**
 * What an HTTP-facing adapter answers, independent of its platform: either the original (with the
 * reason it was not resized) or a generated image with its headers. Adapters add only what their
 * platform owns (status line, Content-Length, body encoding).
 */
import type { ResizerConfig } from './config.js';
import { ERROR_CODES, type ErrorCode, isResizerError } from './errors.js';
import type { ParsedQuery } from './params.js';
import { needsMoreBytes } from './probe.js';
import { MIME_TYPES, planTransform, type TransformResult, transform } from './transform.js';

/** Header naming why a response is the original rather than a resized image. */
export const PASSTHROUGH_HEADER = 'x-resizer-passthrough';

/** The reasons adapters add to the transform's error codes: the platform's own. */
export const PLATFORM_REASONS = [
  'no-parameters', // nothing to do: no recognised parameter
  'origin-status', // the origin did not answer 200
  'origin-missing', // the object vanished between the origin's answer and our fetch
  'origin-timeout', // fetching the original took longer than the budget
  'origin-error', // fetching the original failed otherwise
  'invalid-key', // the URI is not a usable object key
  'response-too-large', // the generated response would exceed the platform's limit
  'internal-error',
] as const;

/** Every reason an adapter serves the original: the transform's error codes plus the platform's own. */
export type PassthroughReason = ErrorCode | (typeof PLATFORM_REASONS)[number];

/** Every value `x-resizer-passthrough` can take (the README lists each; test/readme-reasons.test.ts). */
export const PASSTHROUGH_REASONS: readonly PassthroughReason[] = [...ERROR_CODES, ...PLATFORM_REASONS];

/**
 * Passthroughs caused by a passing condition: the original is the wrong answer for the key, so it
 * must not be cached for long. Every other reason is deterministic (the same request and original
 * always give it), and the original keeps the origin's caching.
 */
export const TRANSIENT_REASONS: readonly PassthroughReason[] = [
  'origin-error',
  'origin-timeout',
  'origin-missing',
  'timeout',
  'codec-failure',
  // A permission the runtime withholds (Deno without --allow-read) is fixed by a restart: not for long.
  'codec-unavailable',
  'internal-error',
];

/**
 * Cache-Control for a transient passthrough: a few seconds, so CloudFront (and browsers) ask again
 * soon, while a hot key during an origin outage still reaches the origin at most once per 10 s per
 * edge cache rather than on every request.
 */
export const TRANSIENT_CACHE_CONTROL = 'public, max-age=10';

export function isTransient(reason: PassthroughReason): boolean {
  return TRANSIENT_REASONS.includes(reason);
}

/**
 * The policy on a passed-through original whose type can carry script (SVG, HTML, XML, anything not
 * a raster image): opened on its own it runs nothing, loads nothing and is sandboxed in an opaque
 * origin; inline styles stay, so an SVG still draws as meant. GitHub serves user content under this
 * same policy. In an `<img>`, where an SVG never runs script, it changes nothing.
 */
export const ACTIVE_CONTENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/** Raster types no browser runs script from: they pass through without a policy. */
const INERT_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);

/** Headers a passthrough adds for its Content-Type (missing or unknown counts as active). */
export function passthroughHeaders(contentType: string | undefined): Record<string, string> {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return INERT_TYPES.has(type) ? {} : { 'content-security-policy': ACTIVE_CONTENT_CSP };
}

export type OriginalOutcome = { kind: 'original'; reason: PassthroughReason; detail: string };

export type Outcome =
  | OriginalOutcome
  | { kind: 'resized'; result: TransformResult; headers: Record<string, string> };

export interface ResizeRequest {
  query: ParsedQuery & { kind: 'transform' | 'invalid' };
  accept?: string | undefined;
  /** Cache-Control of the origin's response, kept when present. */
  originCacheControl?: string | undefined;
  /** Milliseconds spent fetching the original, for Server-Timing. */
  fetchMs?: number;
  /** Largest image body the platform can return (see TransformContext.maxOutputBytes). */
  maxOutputBytes?: number | undefined;
  /** See TransformContext.deadline. */
  deadline?: number | undefined;
}

export async function resizeOutcome(
  original: Uint8Array,
  request: ResizeRequest,
  config: ResizerConfig,
): Promise<Outcome> {
  if (request.query.kind === 'invalid') return passthrough(request.query.error);
  try {
    const { accept, maxOutputBytes, deadline } = request;
    const result = await transform(original, request.query.options, {
      accept,
      config,
      maxOutputBytes,
      deadline,
    });
    const cacheControl = request.originCacheControl || config.cacheControl;
    return { kind: 'resized', result, headers: resizedHeaders(result, cacheControl, request.fetchMs ?? 0) };
  } catch (error) {
    return passthrough(error);
  }
}

/** Bytes a HEAD reads of the original: enough for the headers of every format we decode (EXIF, ICC). */
export const HEAD_PROBE_BYTES = 256 * 1024;

/**
 * What a HEAD request is answered with: the GET's decision and headers, planned from the header
 * bytes alone (no decode, no encode). Refusals found only while decoding or encoding (damaged
 * data, the byte budget) cannot be known without the work, so HEAD reports the planned image.
 */
export function headOutcome(
  header: Uint8Array,
  request: Pick<ResizeRequest, 'query' | 'accept' | 'originCacheControl'>,
  config: ResizerConfig,
): OriginalOutcome | { kind: 'planned'; headers: Record<string, string> } {
  if (request.query.kind === 'invalid') return passthrough(request.query.error);
  try {
    const { plan } = planTransform(header, request.query.options, { accept: request.accept, config });
    const headers: Record<string, string> = {
      'content-type': MIME_TYPES[plan.format],
      'cache-control': request.originCacheControl || config.cacheControl,
      'x-content-type-options': 'nosniff',
    };
    if (variesOnAccept(plan)) headers.vary = 'Accept';
    return { kind: 'planned', headers };
  } catch (error) {
    return passthrough(error);
  }
}

/**
 * The decision on the first bytes of an original, for adapters that stream it: `admitted` when its
 * header plans a resize (read the rest), the original with its reason when the header alone refuses
 * it (the body is never held), or `more` while the header may still be cut short.
 */
export function prefixOutcome(
  prefix: Uint8Array,
  complete: boolean,
  request: Pick<ResizeRequest, 'query' | 'accept'>,
  config: ResizerConfig,
): OriginalOutcome | { kind: 'admitted' } | { kind: 'more' } {
  if (request.query.kind === 'invalid') return passthrough(request.query.error);
  try {
    planTransform(prefix, request.query.options, { accept: request.accept, config });
    return { kind: 'admitted' };
  } catch (error) {
    return needsMoreBytes(error, prefix.byteLength, complete) ? { kind: 'more' } : passthrough(error);
  }
}

function passthrough(error: unknown): OriginalOutcome {
  if (isResizerError(error)) return { kind: 'original', reason: error.code, detail: error.message };
  return {
    kind: 'original',
    reason: 'internal-error',
    detail: error instanceof Error ? error.message : String(error),
  };
}

export function resizedHeaders(
  result: TransformResult,
  cacheControl: string,
  fetchMs: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': MIME_TYPES[result.format],
    'cache-control': cacheControl,
    'server-timing': serverTiming({ fetch: fetchMs, ...result.timings }),
    'x-content-type-options': 'nosniff',
  };
  if (variesOnAccept(result)) headers.vary = 'Accept';
  return headers;
}

/**
 * `Vary: Accept` when the format came from Accept here, and on every WebP or AVIF answer: behind the
 * viewer function the format arrives as an explicit parameter although the viewer's URL may have
 * named none, so a WebP must never be reused by a shared cache for a client that did not ask for it.
 */
export function variesOnAccept(output: { format: string; negotiated: boolean }): boolean {
  return output.negotiated || output.format === 'webp' || output.format === 'avif';
}

export function serverTiming(stages: Record<string, number>): string {
  return Object.entries(stages)
    .map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`)
    .join(', ');
}
