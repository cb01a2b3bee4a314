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
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(bytes: number, maxBytes: number): ResizerError {
  return new ResizerError(
    'input-too-large',
    `Original is ${bytes} bytes or more, over the ${maxBytes} limit`,
  );
}

/** `a b/c+d.jpg` -> `a%20b/c%2Bd.jpg`: each segment encoded per RFC 3986, as S3 signing expects. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

/**
 * A custom origin (a web server, an S3 website endpoint, another CDN) read with a plain GET of the
 * URL CloudFront used, with the origin's custom headers. Lambda@Edge cannot reach the body CloudFront
 * already received, so this is a second request to the origin on a cache miss.
 */
export const httpOrigin: Origin = async ({ http, maxBytes, signal }) => {
  if (!http) return undefined;
  const response = await fetch(http.url, { headers: http.headers, signal, redirect: 'error' });
  if (response.status === 404 || response.status === 403 || response.status === 410) {
    await response.body?.cancel();
    return undefined;
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`origin answered ${response.status} for ${http.url}`);
  }
  return readCapped(response, maxBytes);
};

/** S3 for S3 origins, HTTP for custom ones. */
export function eitherOrigin(s3: Origin, http: Origin = httpOrigin): Origin {
  return (request) => (request.s3 ? s3(request) : http(request));
}
