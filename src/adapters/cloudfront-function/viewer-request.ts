/**
 * The viewer-request CloudFront Function (cloudfront-js-2.0): runs before the cache key exists and
 * writes the canonical request into it, so every variant is cached once whatever a visitor sends
 * (encoded, repeated, reordered or lookalike names, junk parameters, any Accept header):
 * - recognised values decoded once and validated exactly as the origin does (canonical.ts, the same
 *   code), defaults dropped, the allowlists applied (refuse or snap), then written back in one order;
 * - `format=auto` or no format resolved against Accept, so the raw Accept never enters the key;
 * - the path decoded once and encoded one way (canonical.ts, by the origin's own rule), so every
 *   spelling of one object is one key; a path the origin would refuse gets a 404 here;
 * - a request the origin would refuse gets an empty query: the original, cached once;
 * - with signing required, a transform needs `sig` (HMAC-SHA256, base64url), by the secret its
 *   `kid` names in the key value store, and an `expires` still ahead, or gets a 403.
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
  signatureClaim,
  type ViewerDecision,
  viewerDecision,
} from '../../core/canonical.js';
import { forbidden, notFound, type ViewerResponse } from './forbidden.js';

declare const __EDGE_RESIZER_CONFIG__: RulesConfig;
const RULES = rulesOf(__EDGE_RESIZER_CONFIG__);
declare const __cloudfront: { kvs(): { get(key: string): Promise<string> } };
declare const __crypto: {
  createHmac(algorithm: string, key: string): { update(data: string): { digest(encoding: string): string } };
};

/** The key value store entry holding the default signing secret (URLs without `kid`). */
export const SECRET_KEY = 'signing-secret';

/** The entry of a key id's secret: `signing-secret` for none, `signing-secret-ID` for `kid=ID`. */
export function secretKeyName(kid: string | undefined): string {
  return kid === undefined ? SECRET_KEY : SECRET_KEY + '-' + kid;
}

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
  if (decision.kind === 'not-found') return notFound();
  request.uri = decision.path;
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
    Math.floor(Date.now() / 1000),
  );
  return applyDecision(request, decision);
}

/** Without signing: synchronous, no module imports. */
export function unsignedRequest(event: ViewerEvent): ViewerRequest | ViewerResponse {
  return decide(event, () => false);
}

/**
 * With signing: the secret of the URL's key id comes from the function's key value store; none
 * stored (a retired key, or none put yet) means 403.
 */
export async function signedRequest(event: ViewerEvent): Promise<ViewerRequest | ViewerResponse> {
  let secret = '';
  const claim = signatureClaim(queryPairs(event.request.querystring));
  if (typeof claim === 'object') {
    try {
      secret = await __cloudfront.kvs().get(secretKeyName(claim.kid));
    } catch (_error) {
      secret = ''; // no such key: every signature is wrong
    }
  }
  return decide(event, (message, sig) => {
    if (secret === '') return false;
    return constantTimeEqual(__crypto.createHmac('sha256', secret).update(message).digest('base64url'), sig);
  });
}
