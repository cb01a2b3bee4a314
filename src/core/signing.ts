/**
 * Signed URLs with Web Crypto, for adapters that run the viewer step themselves (the dev server,
 * replay, the fetch handler) and for `edge-resizer sign`. The signature is base64url (no padding)
 * HMAC-SHA256 of the canonical path and query plus `expires` and `kid` when present (canonical.ts),
 * so parameter order, defaults and encoding never break a signature. The CloudFront Function computes the same HMAC
 * with its own crypto module.
 */
import {
  canonicalize,
  canonicalPath,
  constantTimeEqual,
  isKeyId,
  type RulesConfig,
  rulesOf,
  SIGNATURE_PARAMETER,
  signatureClaim,
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
 * The secrets a deployment verifies with: one string (the default key, used by URLs without `kid`),
 * or secrets by key id, where the empty id is the default key. Rotation: add a secret under a new
 * id, sign new URLs with it, and remove the old one once its URLs may fail.
 */
export type SigningSecrets = string | Readonly<Record<string, string>>;

/** The secret of a key id (undefined: the default key), or undefined when none is held. */
export function secretFor(secrets: SigningSecrets | undefined, kid: string | undefined): string | undefined {
  if (secrets === undefined) return undefined;
  const secret = typeof secrets === 'string' ? (kid === undefined ? secrets : undefined) : secrets[kid ?? ''];
  return secret || undefined;
}

/** Whether any secret is held. */
export function hasSecret(secrets: SigningSecrets | undefined): boolean {
  if (typeof secrets === 'string') return secrets !== '';
  return secrets !== undefined && Object.values(secrets).some((secret) => secret !== '');
}

/**
 * `EDGE_RESIZER_SECRET` plus `EDGE_RESIZER_SECRETS` (`id=secret,id=secret`: ids of letters, digits,
 * `-` and `_`; a secret holds no comma) -> the secrets by key id. Throws a ResizerError naming the
 * entry that cannot be read.
 */
export function secretsFromEnvironment(defaultSecret: string | undefined, list: string | undefined) {
  const secrets: Record<string, string> = {};
  if (defaultSecret) secrets[''] = defaultSecret;
  for (const entry of (list ?? '').split(',')) {
    if (entry.trim() === '') continue;
    const at = entry.indexOf('=');
    const kid = at === -1 ? '' : entry.slice(0, at).trim();
    const secret = entry.slice(at + 1).trim();
    if (at === -1 || !isKeyId(kid) || secret === '') {
      // Never echo the entry: it may hold a secret.
      const what =
        at === -1 ? "an entry without '='" : secret === '' ? `no secret for '${kid}'` : `the id '${kid}'`;
      throw new ResizerError(
        'invalid-parameter',
        `Expected id=secret in EDGE_RESIZER_SECRETS (an id of 1-32 letters, digits, - or _) but received ${what}`,
      );
    }
    secrets[kid] = secret;
  }
  return secrets;
}

/** Fewer characters than this is not a secret: an HMAC key as short as a password is guessable. */
export const MIN_SECRET_LENGTH = 16;

/** Why a secret is obviously not one (a placeholder or too short), or undefined when it may be. */
export function secretProblem(secret: string): string | undefined {
  if (/^(.)\1*$|\.\.\.|[<>]|change.?me|your.?secret|placeholder/i.test(secret)) {
    return 'looks like a placeholder';
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    return `is ${secret.length} characters; use at least ${MIN_SECRET_LENGTH}`;
  }
  return undefined;
}

export interface SignOptions {
  /** Unix seconds from which the URL is refused (403). */
  expires?: number | undefined;
  /** The id of the key that signs (absent: the default key). */
  kid?: string | undefined;
}

/**
 * `/photos/my cat.jpg?width=500` -> `/photos/my%20cat.jpg?width=500&sig=...`: the canonical path
 * (the one the viewer function sees and checks) and query, then `expires` and `kid` when asked,
 * signed. A path without recognised parameters needs no signature and comes back canonical, less
 * its query.
 */
export async function signPath(
  pathAndQuery: string,
  secret: string,
  config: RulesConfig,
  options: SignOptions = {},
): Promise<string> {
  if (secret === '') throw new ResizerError('invalid-parameter', 'The signing secret is empty');
  const at = pathAndQuery.indexOf('?');
  const raw = at === -1 ? pathAndQuery : pathAndQuery.slice(0, at);
  // A space is what a person types for %20; no viewer sends one, so it is read as that.
  const path = canonicalPath(raw.replace(/ /g, '%20'));
  if (path === undefined) {
    throw new ResizerError(
      'invalid-parameter',
      `Expected a path of plain names starting with / (no empty, . or .. segment, no encoded / or \\, escapes well-formed) but received '${raw}'`,
    );
  }
  const { expires, kid } = options;
  if (expires !== undefined && !(Number.isInteger(expires) && expires > 0)) {
    throw new ResizerError(
      'invalid-parameter',
      `Expected unix seconds for expires but received '${expires}'`,
    );
  }
  if (kid !== undefined && !isKeyId(kid)) {
    throw new ResizerError(
      'invalid-parameter',
      `Expected 1-32 letters, digits, - or _ for the key id but received '${kid}'`,
    );
  }
  const canonical = canonicalize(splitQuery(at === -1 ? '' : pathAndQuery.slice(at + 1)), rulesOf(config));
  if (canonical.kind === 'invalid') throw new ResizerError(canonical.refusal.code, canonical.refusal.message);
  if (canonical.kind === 'none') return path;
  const message = signatureMessage(path, canonical.options, { expires, kid });
  return `${message}&${SIGNATURE_PARAMETER}=${await hmacBase64url(secret, message)}`;
}

/**
 * The viewer step of canonical.ts with Web Crypto's (asynchronous) HMAC: the secret of the request's
 * key id is looked up and the expected signature computed first, then compared in constant time.
 * No secret for the key id: no signature matches.
 */
export async function decideViewer(
  input: ViewerInput,
  config: RulesConfig,
  secrets: SigningSecrets | undefined,
  now = Math.floor(Date.now() / 1000),
): Promise<ViewerDecision> {
  const rules = rulesOf(config);
  let expected: string | undefined;
  const claim = rules.signing ? signatureClaim(input.pairs) : undefined;
  const path = canonicalPath(input.uri);
  if (typeof claim === 'object' && path !== undefined) {
    const secret = secretFor(secrets, claim.kid);
    const canonical = canonicalize(input.pairs, rules);
    if (secret && canonical.kind === 'transform') {
      expected = await hmacBase64url(secret, signatureMessage(path, canonical.options, claim));
    }
  }
  return viewerDecision(
    input,
    rules,
    (_message, sig) => expected !== undefined && constantTimeEqual(expected, sig),
    now,
  );
}
