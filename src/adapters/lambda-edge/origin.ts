/**
 * Where the handler reads the original from. CloudFront never hands an origin-response function the
 * body, so it fetches the object itself: from S3 in production, from a folder or an S3-compatible
 * server when a recorded event is replayed locally.
 */
import { ResizerError } from '../../core/errors.js';
import type { HttpLocation, S3Location } from './request.js';

export interface OriginRequest {
  key: string;
  s3: S3Location | undefined;
  http?: HttpLocation | undefined;
  /** Largest body accepted; larger objects are refused without reading them. */
  maxBytes: number;
  /** Read only this many bytes from the start (a ranged GET): enough to plan a HEAD. */
  firstBytes?: number | undefined;
  signal: AbortSignal;
}

/** The object's bytes, or undefined when the origin has no such object (404/403). */
export type Origin = (request: OriginRequest) => Promise<Uint8Array | undefined>;

/** Reads a fetch Response body, refusing more than `maxBytes` whether or not it declared a length. */
export async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(declared, maxBytes);
  }
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(total, maxBytes);
    }
    chunks.push(value);
  }
  return concat(chunks, total);
}

function tooLarge(bytes: number, maxBytes: number): ResizerError {
  return new ResizerError(
    'input-too-large',
    `Original is ${bytes} bytes or more, over the ${maxBytes} limit`,
  );
}

/**
 * A custom origin (a web server, an S3 website endpoint, another CDN) read with a plain GET of the
 * URL CloudFront used, with the origin's custom headers. Lambda@Edge cannot reach the body CloudFront
 * already received, so this is a second request to the origin on a cache miss.
 */
export const httpOrigin: Origin = async ({ http, maxBytes, firstBytes, signal }) => {
  if (!http) return undefined;
  const headers = { ...http.headers, ...rangeHeader(firstBytes) };
  const response = await withOneRetry(() => fetch(http.url, { headers, signal, redirect: 'manual' }), signal);
  const found = await foundOrNot(response, `origin answered ${response.status} for ${http.url}`);
  return found && readBody(found, maxBytes, firstBytes);
};

/** Statuses that mean "no such object" (with OAC and only s3:GetObject, S3 answers 403 for it). */
export function isMissing(status: number): boolean {
  return status === 404 || status === 403 || status === 410;
}

/**
 * An origin's answer sorted once for every origin: the response when it holds the object (200, or
 * 206 for a ranged read), undefined when there is none, else an error (a redirect is not followed:
 * it could leave the origin). The body of anything not returned is released.
 */
export async function foundOrNot(response: Response, failure: string): Promise<Response | undefined> {
  if (response.status === 200 || response.status === 206) return response;
  await response.body?.cancel();
  if (isMissing(response.status)) return undefined;
  throw new Error(failure);
}

/** `Range` for the first bytes of an object, when only those are wanted. */
export function rangeHeader(firstBytes: number | undefined): Record<string, string> {
  return firstBytes === undefined ? {} : { range: `bytes=0-${firstBytes - 1}` };
}

/** The whole body (capped), or its first bytes when the origin ignored the Range header. */
export async function readBody(
  response: Response,
  maxBytes: number,
  firstBytes: number | undefined,
): Promise<Uint8Array> {
  if (firstBytes === undefined) return readCapped(response, maxBytes);
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < firstBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
  }
  await reader.cancel();
  return concat(chunks, Math.min(total, firstBytes));
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= length) break;
    bytes.set(chunk.subarray(0, length - offset), offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** S3 for S3 origins, HTTP for custom ones. */
export function eitherOrigin(s3: Origin, http: Origin = httpOrigin): Origin {
  return (request) => (request.s3 ? s3(request) : http(request));
}

/** Statuses worth one more try: throttling (S3's 503 SlowDown) and server errors. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** The wait before the one retry: enough for a throttled bucket to breathe, jittered. */
const RETRY_DELAY_MS = 200;

/**
 * One request, and at most one retry for a network error or a transient status, after a short
 * wait that the abort signal cuts short: the whole exchange stays inside the fetch budget, and a
 * bucket that is already throttling sees at most twice the load, never ten times.
 */
export async function withOneRetry(send: () => Promise<Response>, signal: AbortSignal): Promise<Response> {
  let first: Response;
  try {
    first = await send();
  } catch (error) {
    if (signal.aborted) throw error;
    await abortableWait(RETRY_DELAY_MS * (1 + Math.random()), signal);
    return send();
  }
  if (!isTransientStatus(first.status)) return first;
  await first.body?.cancel();
  await abortableWait(RETRY_DELAY_MS * (1 + Math.random()), signal);
  return send();
}

export function abortableWait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}
