/**
 * The viewer-request CloudFront Function (cloudfront-js-2.0): runs before the cache key exists and
 * writes the canonical request into it, so every variant is cached once whatever a visitor sends
 * (encoded, repeated, reordered or lookalike names, junk parameters, any Accept header):
 * - recognised values decoded once and validated exactly as the origin does (canonical.ts, the same
 *   code), defaults dropped, the allowlists applied (refuse or snap), then written back in one order;
 * - `format=auto` or no format resolved against Accept, so the raw Accept never enters the key;
 * - a request the origin would refuse gets an empty query: the original, cached once;
 * - with signing required, a transform needs `sig` (HMAC-SHA256, base64url) or gets a 403.
 *
 * `npm run build` compiles `unsigned.ts` or `signed.ts` (each defines CloudFront's `handler`) with the configuration's rules baked in
 * (dist/cloudfront/viewer-request.js); with signing on, the build prepends the `cloudfront` (key
 * value store) and `crypto` modules this file reaches as __cloudfront and __crypto. Written in the
 * subset CloudFront documents: the tests run the built file under njs.
 */
import {
  constantTimeEqual,
  type RawPair,
  type RulesConfig,
  rulesOf,
  type ViewerDecision,
  viewerDecision,
} from '../../core/canonical.js';
import { forbidden, type ViewerResponse } from './forbidden.js';

declare const __EDGE_RESIZER_CONFIG__: RulesConfig;
const RULES = rulesOf(__EDGE_RESIZER_CONFIG__);
declare const __cloudfront: { kvs(): { get(key: string): Promise<string> } };
declare const __crypto: {
  createHmac(algorithm: string, key: string): { update(data: string): { digest(encoding: string): string } };
};

/** The key value store entry holding the signing secret. */
export const SECRET_KEY = 'signing-secret';

interface QueryValue {
  value: string;
  multiValue?: { value: string }[];
}

export interface ViewerRequest {
  method: string;
  uri: string;
  querystring: Record<string, QueryValue>;
  headers: Record<string, { value: string; multiValue?: { value: string }[] }>;
}

export interface ViewerEvent {
  request: ViewerRequest;
}

/** CloudFront's querystring object -> raw pairs, every repeat included (values still encoded). */
export function queryPairs(querystring: Record<string, QueryValue> | undefined): RawPair[] {
  const pairs: RawPair[] = [];
  if (!querystring) return pairs;
  const names = Object.keys(querystring);
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const entry = querystring[name] as QueryValue;
    const values = entry.multiValue && entry.multiValue.length > 0 ? entry.multiValue : [entry];
    for (let j = 0; j < values.length; j++) pairs.push([name, (values[j] as { value: string }).value]);
  }
  return pairs;
}

/** The decision applied to CloudFront's request object: the request to forward, or a 403. */
export function applyDecision(
  request: ViewerRequest,
  decision: ViewerDecision,
): ViewerRequest | ViewerResponse {
  if (decision.kind === 'forbidden') return forbidden(decision.message);
  const query: Record<string, QueryValue> = {};
  if (decision.kind === 'transform') {
    const options = decision.options as Record<string, string | number | undefined>;
    const names = ['width', 'height', 'fit', 'format', 'quality'];
    for (let i = 0; i < names.length; i++) {
      const value = options[names[i] as string];
      if (value !== undefined) query[names[i] as string] = { value: String(value) };
    }
  }
  request.querystring = query;
  return request;
}

function decide(event: ViewerEvent, verify: (message: string, sig: string) => boolean) {
  const request = event.request;
  const accept = request.headers ? request.headers.accept : undefined;
  const decision = viewerDecision(
    { uri: request.uri, pairs: queryPairs(request.querystring), accept: accept ? accept.value : undefined },
    RULES,
    verify,
  );
  return applyDecision(request, decision);
}

/** Without signing: synchronous, no module imports. */
export function unsignedRequest(event: ViewerEvent): ViewerRequest | ViewerResponse {
  return decide(event, () => false);
}

/** With signing: the secret comes from the function's key value store; none stored means 403. */
export async function signedRequest(event: ViewerEvent): Promise<ViewerRequest | ViewerResponse> {
  let secret = '';
  if (Object.keys(event.request.querystring || {}).length > 0) {
    try {
      secret = await __cloudfront.kvs().get(SECRET_KEY);
    } catch (_error) {
      secret = ''; // no secret stored yet: every signature is wrong
    }
  }
  return decide(event, (message, sig) => {
    if (secret === '') return false;
    return constantTimeEqual(__crypto.createHmac('sha256', secret).update(message).digest('base64url'), sig);
  });
}
