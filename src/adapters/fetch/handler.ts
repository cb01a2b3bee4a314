/**
 * The neutral request path: `(request: Request) => Promise<Response>` on Web-standard types only,
 * so the same code serves Workers, Deno, Bun and Node. It runs both steps of the edge deployment in
 * one place: the viewer step (canonical query, allowlists, signature, format from Accept) and the
 * origin step (read the original, transform, or pass it through with the reason).
 *
 * `origin` is a base URL (the key is appended, checked to stay under it) or a function returning
 * the object as a Response, bytes, or undefined when there is none.
 */
import { splitQuery } from '../../core/canonical.js';
import { isResizerError } from '../../core/errors.js';
import { keyUrl, objectKey } from '../../core/keys.js';
import { INPUT_MIME_TYPES, sniffFormat } from '../../core/probe.js';
import {
  HEAD_PROBE_BYTES,
  headOutcome,
  isTransient,
  PASSTHROUGH_HEADER,
  type PassthroughReason,
  passthroughHeaders,
  prefixOutcome,
  type ResizeRequest,
  resizeOutcome,
  TRANSIENT_CACHE_CONTROL,
} from '../../core/respond.js';
import { decideViewer, hasSecret, type SigningSecrets } from '../../core/signing.js';
import { type EdgeConfig, type EdgeConfigOverrides, resolveEdgeConfig } from '../lambda-edge/config.js';
import { foundOrNot, isMissing, rangeHeader, readBody, withOneRetry } from '../lambda-edge/origin.js';
import { bytesRead, type OpenBody, openBody, readAtLeast, readRest, streamOn } from './body.js';

export type OriginFunction = (
  key: string,
  options: { signal: AbortSignal; firstBytes?: number | undefined },
) => Promise<Response | Uint8Array | undefined>;

export interface FetchHandlerOptions {
  /** An HTTP origin's base URL, or a function that returns the object for a key. */
  origin: string | OriginFunction;
  /** Overrides of the defaults, checked as the configuration file is, or a resolved configuration. */
  config?: EdgeConfigOverrides | EdgeConfig;
  /**
   * The signing secret, when the configuration requires signatures: one string (the default key),
   * or secrets by key id (`kid`), the default key under ''.
   */
  secret?: SigningSecrets | undefined;
}

export type FetchHandler = (request: Request) => Promise<Response>;

export function createFetchHandler(options: FetchHandlerOptions): FetchHandler {
  const config = resolveEdgeConfig((options.config ?? {}) as EdgeConfigOverrides);
  if (config.signing.required && !hasSecret(options.secret)) {
    throw new TypeError('Invalid configuration: signing.required needs a secret');
  }
  const read = typeof options.origin === 'string' ? urlOrigin(options.origin) : options.origin;
  const warn = warnOnce();
  return async (request) => {
    try {
      return await handle(request, config, read, options.secret, warn);
    } catch (error) {
      // A bug must not become an opaque 500 without a reason; the original cannot be sent either.
      const detail = error instanceof Error ? error.message : String(error);
      return text(500, `Internal error: ${detail}`, { [PASSTHROUGH_HEADER]: 'internal-error' });
    }
  };
}

async function handle(
  request: Request,
  config: EdgeConfig,
  read: OriginFunction,
  secret: SigningSecrets | undefined,
  warn: (message: string) => void,
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return text(405, 'Method not allowed', { allow: 'GET, HEAD' });
  }
  const head = request.method === 'HEAD';
  const started = performance.now();
  const url = new URL(request.url);
  const accept = request.headers.get('accept') ?? undefined;
  const decision = await viewerStep(request, config, secret);
  if (decision.kind === 'forbidden') {
    return text(403, `Forbidden: ${decision.message}`, { 'cache-control': 'no-store' });
  }
  if (decision.kind === 'not-found') return text(404, 'Not found', { [PASSTHROUGH_HEADER]: 'invalid-key' });
  const key = objectKey('', url.pathname);
  if (key === undefined) return text(404, 'Not found', { [PASSTHROUGH_HEADER]: 'invalid-key' });

  const signal = AbortSignal.timeout(config.fetchTimeoutMs);
  const passthroughOnly = decision.kind === 'original';
  let original: Response | undefined;
  try {
    original = toResponse(
      await read(key, { signal, firstBytes: head && !passthroughOnly ? HEAD_PROBE_BYTES : undefined }),
    );
  } catch (error) {
    const reason: PassthroughReason = isResizerError(error)
      ? error.code
      : signal.aborted
        ? 'origin-timeout'
        : 'origin-error';
    const detail = error instanceof Error ? error.message : String(error);
    return text(502, `The original could not be read: ${detail}`, {
      [PASSTHROUGH_HEADER]: reason,
      'cache-control': TRANSIENT_CACHE_CONTROL,
    });
  }
  if (!original) return text(404, 'Not found');
  if (decision.kind === 'original') return passthrough(original, decision.reason, config, head);

  const declared = Number(original.headers.get('content-length') ?? Number.NaN);
  if (declared > config.limits.maxInputBytes) return passthrough(original, 'input-too-large', config, head);
  const query = { kind: 'transform' as const, options: decision.options };
  let bytes: Uint8Array;
  try {
    if (head) bytes = await readBody(original, config.limits.maxInputBytes, HEAD_PROBE_BYTES);
    else {
      const body = openBody(original);
      const verdict = await probeFirstBytes(body, { query, accept }, config);
      if (verdict.kind === 'original') {
        const rest = new Response(streamOn(body), { status: original.status, headers: original.headers });
        return passthrough(rest, verdict.reason, config, false);
      }
      // Admitted, or a header longer than the probe reads: the transform decides on the whole.
      bytes = await readRest(body, config.limits.maxInputBytes);
    }
  } catch (error) {
    // Past the limit while reading (no declared length): read it again, this time streamed through.
    if (isResizerError(error) && error.code === 'input-too-large') {
      const again = toResponse(await read(key, { signal }));
      return again ? passthrough(again, 'input-too-large', config, head) : text(404, 'Not found');
    }
    throw error;
  }
  const originCacheControl = original.headers.get('cache-control') ?? undefined;
  // The bytes read stand for the original from here on (the stream is spent).
  const bodyOf = () =>
    new Response(head ? null : asBody(bytes), { status: original.status, headers: original.headers });
  if (head) {
    const plan = headOutcome(bytes, { query, accept, originCacheControl }, config);
    if (plan.kind === 'original') return passthrough(bodyOf(), plan.reason, config, true);
    return new Response(null, { status: 200, headers: plan.headers });
  }
  const outcome = await resizeOutcome(
    bytes,
    {
      query,
      accept,
      originCacheControl,
      fetchMs: performance.now() - started,
      deadline: started + config.timeBudgetMs,
    },
    config,
  );
  if (outcome.kind === 'original') {
    // The header alone cannot say which permission a deployment lacks; the operator's console can.
    if (outcome.reason === 'codec-unavailable') warn(`edge-resizer: ${outcome.detail}`);
    return passthrough(bodyOf(), outcome.reason, config, false);
  }
  return new Response(asBody(outcome.result.data), {
    status: 200,
    headers: { ...outcome.headers, 'content-length': String(outcome.result.data.byteLength) },
  });
}

/** Logs each distinct message once per handler: a missing permission is a deployment's, not a request's. */
function warnOnce(): (message: string) => void {
  const seen = new Set<string>();
  return (message) => {
    if (seen.has(message)) return;
    seen.add(message);
    console.error(message);
  };
}

/** Bytes read before the first probe: every format's fixed header, and SVG's opening tag. */
const FIRST_PROBE_BYTES = 4096;

/**
 * The header's decision from the fewest first bytes: read, probe, and read twice as far while the
 * header may be cut short, up to the bytes a HEAD reads (HEAD_PROBE_BYTES, as on Lambda@Edge).
 */
async function probeFirstBytes(
  body: OpenBody,
  request: Pick<ResizeRequest, 'query' | 'accept'>,
  config: EdgeConfig,
): Promise<ReturnType<typeof prefixOutcome>> {
  for (let want = FIRST_PROBE_BYTES; ; want *= 2) {
    await readAtLeast(body, Math.min(want, HEAD_PROBE_BYTES));
    const verdict = prefixOutcome(bytesRead(body), body.done, request, config);
    if (verdict.kind !== 'more' || body.done || body.total >= HEAD_PROBE_BYTES) return verdict;
  }
}

/** The viewer step for a Request: canonical query, allowlists, signature, format from Accept. */
export function viewerStep(request: Request, config: EdgeConfig, secret: SigningSecrets | undefined) {
  const url = new URL(request.url);
  const accept = request.headers.get('accept') ?? undefined;
  return decideViewer({ uri: url.pathname, pairs: splitQuery(url.search), accept }, config, secret);
}

function toResponse(value: Response | Uint8Array | undefined): Response | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Uint8Array) {
    const format = sniffFormat(value);
    const type = format ? INPUT_MIME_TYPES[format] : 'application/octet-stream';
    return new Response(asBody(value), { status: 200, headers: { 'content-type': type } });
  }
  if (isMissing(value.status)) return undefined;
  return value;
}

/** The original, its body streamed through unchanged, with the reason and the right caching. */
function passthrough(
  original: Response,
  reason: PassthroughReason,
  config: EdgeConfig,
  head: boolean,
): Response {
  const headers = new Headers();
  // A ranged read (HEAD) knows only part of the length: the total is not claimed then.
  const kept = ['content-type', 'etag', 'last-modified', 'cache-control'];
  if (original.status === 200) kept.push('content-length');
  for (const name of kept) {
    const value = original.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  if (!headers.has('content-type')) headers.set('content-type', 'application/octet-stream');
  if (isTransient(reason)) headers.set('cache-control', TRANSIENT_CACHE_CONTROL);
  else if (!headers.has('cache-control')) headers.set('cache-control', config.cacheControl);
  headers.set('x-content-type-options', 'nosniff');
  for (const [name, value] of Object.entries(passthroughHeaders(headers.get('content-type') ?? undefined)))
    headers.set(name, value);
  headers.set(PASSTHROUGH_HEADER, reason);
  if (head) {
    void original.body?.cancel();
    return new Response(null, { status: 200, headers });
  }
  return new Response(original.body, { status: 200, headers });
}

/** Bytes as a body: ours are never views of a SharedArrayBuffer. */
function asBody(bytes: Uint8Array): BodyInit {
  return bytes as Uint8Array<ArrayBuffer>;
}

function text(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(`${message}\n`, { status, headers: { 'content-type': 'text/plain', ...headers } });
}

/** An HTTP origin: GET the base URL plus the key, one retry at most, inside the fetch budget. */
export function urlOrigin(base: string): OriginFunction {
  keyUrl(base, 'probe'); // a malformed base fails now, not on every request
  return async (key, { signal, firstBytes }) => {
    const response = await withOneRetry(
      // Redirects are not followed (they could leave the origin); 'manual' is what every runtime has.
      () => fetch(keyUrl(base, key), { headers: rangeHeader(firstBytes), signal, redirect: 'manual' }),
      signal,
    );
    return foundOrNot(response, `origin answered ${response.status} for ${key}`);
  };
}
