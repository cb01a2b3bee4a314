/**
 * Signed URLs with Web Crypto, for adapters that run the viewer step themselves (the dev server,
 * replay, the fetch handler) and for `edge-resizer sign`. The signature is base64url (no padding)
 * HMAC-SHA256 of the path as requested plus the canonical query (canonical.ts), so parameter order,
 * defaults and encoding never break a signature. The CloudFront Function computes the same HMAC
 * with its own crypto module.
 */
import {
  canonicalize,
  constantTimeEqual,
  type RulesConfig,
  rulesOf,
  SIGNATURE_PARAMETER,
  signatureMessage,
  splitQuery,
  type ViewerDecision,
  type ViewerInput,
  viewerDecision,
} from './canonical.js';
import { ResizerError } from './errors.js';

const encoder = new TextEncoder();

export async function hmacBase64url(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(message)));
  let binary = '';
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * `/photos/cat.jpg?width=500` -> `/photos/cat.jpg?width=500&sig=...`: the canonical query, signed.
 * A path without recognised parameters needs no signature and comes back unchanged (less its query).
 */
export async function signPath(pathAndQuery: string, secret: string, config: RulesConfig): Promise<string> {
  if (secret === '') throw new ResizerError('invalid-parameter', 'The signing secret is empty');
  const at = pathAndQuery.indexOf('?');
  const path = at === -1 ? pathAndQuery : pathAndQuery.slice(0, at);
  if (!path.startsWith('/'))
    throw new ResizerError('invalid-parameter', `Expected a path starting with / but received '${path}'`);
  const canonical = canonicalize(splitQuery(at === -1 ? '' : pathAndQuery.slice(at + 1)), rulesOf(config));
  if (canonical.kind === 'invalid') throw new ResizerError(canonical.refusal.code, canonical.refusal.message);
  if (canonical.kind === 'none') return path;
  const message = signatureMessage(path, canonical.options);
  return `${message}&${SIGNATURE_PARAMETER}=${await hmacBase64url(secret, message)}`;
}

/**
 * The viewer step of canonical.ts with Web Crypto's (asynchronous) HMAC: the expected signature is
 * computed first, then compared in constant time. `secret` undefined or empty: no signature matches.
 */
export async function decideViewer(
  input: ViewerInput,
  config: RulesConfig,
  secret: string | undefined,
): Promise<ViewerDecision> {
  const rules = rulesOf(config);
  let expected: string | undefined;
  if (rules.signing && secret) {
    const canonical = canonicalize(input.pairs, rules);
    if (canonical.kind === 'transform') {
      expected = await hmacBase64url(secret, signatureMessage(input.uri, canonical.options));
    }
  }
  return viewerDecision(
    input,
    rules,
    (_message, sig) => expected !== undefined && constantTimeEqual(expected, sig),
  );
}
