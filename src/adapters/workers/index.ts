/**
 * The Cloudflare module worker (dist/workers/index.mjs): the fetch handler with the configuration
 * baked in at build (as for Lambda@Edge), its WebAssembly modules uploaded beside it and imported
 * as compiled modules (Workers cannot compile WebAssembly from bytes at run time). The origin is
 * the R2 bucket bound as IMAGES when there is one, else the ORIGIN_URL variable; resized responses
 * are kept in the Cache API under the request URL, written after the answer with ctx.waitUntil.
 */
import { canonicalQueryString } from '../../core/canonical.js';
import { PASSTHROUGH_HEADER } from '../../core/respond.js';
import { type SigningSecrets, secretsFromEnvironment } from '../../core/signing.js';
import { createFetchHandler, type OriginFunction, viewerStep } from '../fetch/handler.js';
import { type EdgeConfig, type EdgeConfigOverrides, resolveEdgeConfig } from '../lambda-edge/config.js';

declare const __EDGE_RESIZER_CONFIG__: EdgeConfigOverrides | undefined;

interface R2ObjectBody {
  body: ReadableStream<Uint8Array>;
  size: number;
  httpEtag?: string;
  httpMetadata?: { contentType?: string; cacheControl?: string };
}

interface R2Bucket {
  get(key: string, options?: { range?: { offset: number; length: number } }): Promise<R2ObjectBody | null>;
}

export interface Env {
  IMAGES?: R2Bucket;
  ORIGIN_URL?: string;
  EDGE_RESIZER_SECRET?: string;
  /** More secrets by key id, `id=secret,id=secret`, for URLs signed with `kid` (rotation). */
  EDGE_RESIZER_SECRETS?: string;
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** An R2 bucket as the fetch handler's origin. */
export function r2Origin(bucket: R2Bucket): OriginFunction {
  return async (key, { firstBytes }) => {
    const object = await bucket.get(
      key,
      firstBytes ? { range: { offset: 0, length: firstBytes } } : undefined,
    );
    if (!object) return undefined;
    const headers: Record<string, string> = {};
    if (object.httpMetadata?.contentType) headers['content-type'] = object.httpMetadata.contentType;
    if (object.httpMetadata?.cacheControl) headers['cache-control'] = object.httpMetadata.cacheControl;
    if (object.httpEtag) headers.etag = object.httpEtag;
    if (!firstBytes) headers['content-length'] = String(object.size);
    return new Response(object.body, { status: firstBytes ? 206 : 200, headers });
  };
}

/**
 * The Worker's own default limits, under whatever the build baked in. A Worker has 128 MB. Measured
 * in workerd (`node bench/worker-memory.mjs`, bench/README.md), the costliest request at each size
 * is an incompressible image to WebP at quality 100: opaque, 84 MiB at 1.6 MP (an AVIF; a 5000x5000
 * JPEG shrunk on load to 1/4, 1.56 MP, takes 55); with alpha, which costs more a pixel, 92 MiB at
 * 1.2 MP (an RGBA AVIF; 128 at 1.6 MP). Larger decodes are served as the original
 * (`too-many-pixels`).
 *
 * Input bytes: the header is probed from the first bytes and a refusal streams the original through,
 * but an admitted original is held whole, once as read and once in the decoder's memory (which never
 * shrinks), beside the decode: 10 MiB keeps that (2 x 10 + 94 MiB) under 128 MB, and a 12 MP phone
 * photo or a 5000x5000 JPEG at ordinary quality is well under it. Larger originals are served as
 * they are (`input-too-large`), streamed, never held.
 */
export const WORKER_LIMITS = {
  maxDecodedPixels: 1_600_000,
  maxDecodedAlphaPixels: 1_200_000,
  maxInputBytes: 10 * 1024 * 1024,
};

export function workerConfig(baked: EdgeConfigOverrides = {}): EdgeConfig {
  return resolveEdgeConfig({ ...baked, limits: { ...WORKER_LIMITS, ...baked.limits } });
}

function originOf(env: Env): string | OriginFunction {
  if (env.IMAGES) return r2Origin(env.IMAGES);
  if (env.ORIGIN_URL) return env.ORIGIN_URL;
  throw new TypeError('Bind an R2 bucket as IMAGES or set ORIGIN_URL');
}

/**
 * The Cache API key of a resize: the canonical URL (canonical path, canonical query, format from
 * Accept), so every spelling of one variant shares one entry, as behind the viewer function.
 * Decided after the signature check, so a cached image is never served to a request that would be
 * refused. Undefined when nothing is to be cached.
 */
export async function cacheKey(request: Request, config: EdgeConfig, secret: SigningSecrets | undefined) {
  if (request.method !== 'GET') return undefined;
  const decision = await viewerStep(request, config, secret);
  if (decision.kind !== 'transform') return undefined;
  const url = new URL(request.url);
  return new Request(`${url.origin}${decision.path}?${canonicalQueryString(decision.options)}`);
}

/** The Worker's secrets: EDGE_RESIZER_SECRET (the default key) and EDGE_RESIZER_SECRETS by key id. */
export function workerSecrets(env: Env): SigningSecrets | undefined {
  if (!env.EDGE_RESIZER_SECRETS) return env.EDGE_RESIZER_SECRET;
  return secretsFromEnvironment(env.EDGE_RESIZER_SECRET, env.EDGE_RESIZER_SECRETS);
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const config = workerConfig(
      typeof __EDGE_RESIZER_CONFIG__ === 'undefined' ? {} : __EDGE_RESIZER_CONFIG__,
    );
    const secret = workerSecrets(env);
    const handler = createFetchHandler({ origin: originOf(env), config, secret });
    const cache = (globalThis as { caches?: { default?: Cache } }).caches?.default;
    const key = cache ? await cacheKey(request, config, secret) : undefined;
    // A host without a cache (plain workerd answers "No Cache was configured") serves uncached.
    const hit = key ? await cache?.match(key).catch(() => undefined) : undefined;
    if (hit) return hit;
    const response = await handler(request);
    // Only resized images are kept: originals stay the origin's (and a transient miss must retry).
    if (cache && key && response.status === 200 && !response.headers.has(PASSTHROUGH_HEADER)) {
      ctx.waitUntil(cache.put(key, response.clone()).catch(() => undefined));
    }
    return response;
  },
};
