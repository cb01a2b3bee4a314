/**
 * The one canonicaliser of requests. It runs in two places: in the core (every adapter parses
 * queries through it) and, compiled by esbuild, inside the viewer-request CloudFront Function
 * (src/adapters/cloudfront-function). Both apply the same table, so the cache key the function writes
 * is exactly the request the origin will serve.
 *
 * Because CloudFront runs this file, it keeps to the subset that cloudfront-js-2.0 documents and
 * Debian's njs 0.7.9 accepts (the tests run it there): indexed `for` loops, no `for...of`, no
 * destructuring or spread, no `?.` or `??`, no classes, no Set or Map, no Array.from. Pure functions
 * and data only; errors are plain `Refusal` records that the core turns into ResizerErrors.
 */
import type { ErrorCode } from './errors.js';
import { FITS, FORMAT_PARAMS, type TransformOptions } from './options.js';

/** Largest width or height a request may name; WebP's own limit is 16383. */
export const MAX_DIMENSION = 16383;

/** What the canonical form depends on: a slice of the configuration. */
export interface QueryRules {
  /** Quality used when a request names none; naming it is the same request. */
  defaultQuality: number;
  formats: { webp: boolean; avif: boolean };
  /** Each list, when not empty, is the only values served for that parameter. */
  allowedWidths: readonly number[];
  allowedHeights: readonly number[];
  allowedQualities: readonly number[];
  /** Move other values to the next allowed one up (the largest when none is above) instead of refusing. */
  snap: boolean;
}

export interface Refusal {
  code: ErrorCode;
  message: string;
}

export type Canonical =
  | { kind: 'none' }
  | { kind: 'transform'; options: TransformOptions }
  | { kind: 'invalid'; refusal: Refusal };

/** A query parameter as it arrived: name and value still percent-encoded. */
export type RawPair = readonly [string, string];

interface ParameterRule {
  name: 'width' | 'height' | 'fit' | 'format' | 'quality';
  min: number;
  max: number;
  values: readonly string[] | undefined;
}

/** The recognised parameters, in canonical order (the order of every canonical query). */
export const PARAMETER_RULES: readonly ParameterRule[] = [
  { name: 'width', min: 1, max: MAX_DIMENSION, values: undefined },
  { name: 'height', min: 1, max: MAX_DIMENSION, values: undefined },
  { name: 'fit', min: 0, max: 0, values: FITS },
  { name: 'format', min: 0, max: 0, values: FORMAT_PARAMS },
  { name: 'quality', min: 1, max: 100, values: undefined },
];

/** Canonical decimal only: no sign, exponent, hex, padding, leading zeros or non-ASCII digits. */
const DECIMAL = /^[1-9][0-9]{0,8}$/;

function refusal(code: ErrorCode, message: string): Refusal {
  return { code: code, message: message };
}

function expected(what: string, name: string, raw: string): Refusal {
  return refusal('invalid-parameter', 'Expected ' + what + ' for ' + name + " but received '" + raw + "'");
}

function ruleFor(name: string): ParameterRule | undefined {
  for (let i = 0; i < PARAMETER_RULES.length; i++) {
    const rule = PARAMETER_RULES[i] as ParameterRule;
    if (rule.name === name) return rule;
  }
  return undefined;
}

/** `a=1&b=%20` -> [['a', '1'], ['b', '%20']]: split only, nothing decoded. */
export function splitQuery(query: string): RawPair[] {
  const text = query.charAt(0) === '?' ? query.slice(1) : query;
  const pairs: RawPair[] = [];
  const parts = text.split('&');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part === '') continue;
    const eq = part.indexOf('=');
    pairs.push(eq === -1 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]);
  }
  return pairs;
}

/** One form-encoded component decoded (`+` is a space), or undefined for a malformed escape. */
export function decodeComponent(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch (_error) {
    return undefined;
  }
}

function parseValue(rule: ParameterRule, raw: string): number | string | Refusal {
  if (rule.values !== undefined) {
    if (rule.values.indexOf(raw) === -1) return expected('one of ' + rule.values.join(', '), rule.name, raw);
    return raw;
  }
  const range = 'integer between ' + rule.min + ' and ' + rule.max;
  if (!DECIMAL.test(raw)) return expected(range, rule.name, raw);
  const value = Number(raw);
  if (value < rule.min || value > rule.max) return expected(range, rule.name, raw);
  return value;
}

function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && typeof (value as Refusal).code === 'string';
}

/**
 * Raw pairs -> the canonical request: each recognised value decoded once and validated, repeats
 * collapsed (conflicting repeats refused), a disabled output format refused, then every value that
 * equals its default dropped. A request left with nothing is `none`: the original.
 */
export function canonicalize(pairs: readonly RawPair[], rules: QueryRules): Canonical {
  const raw: Record<string, string> = {};
  let count = 0;
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as RawPair;
    const name = decodeComponent(pair[0]);
    if (name === undefined || ruleFor(name) === undefined) continue; // unknown names are ignored
    const value = decodeComponent(pair[1]);
    if (value === undefined) {
      return { kind: 'invalid', refusal: expected('a well-formed percent-encoding', name, pair[1]) };
    }
    const previous = raw[name];
    if (previous === undefined) {
      raw[name] = value;
      count++;
    } else if (previous !== value) {
      const message =
        'Expected one value for ' + name + " but received '" + previous + "' and '" + value + "'";
      return { kind: 'invalid', refusal: refusal('invalid-parameter', message) };
    }
  }
  if (count === 0) return { kind: 'none' };
  const options: Record<string, number | string> = {};
  for (let i = 0; i < PARAMETER_RULES.length; i++) {
    const rule = PARAMETER_RULES[i] as ParameterRule;
    const text = raw[rule.name];
    if (text === undefined) continue;
    const value = parseValue(rule, text);
    if (isRefusal(value)) return { kind: 'invalid', refusal: value };
    options[rule.name] = value;
  }
  const disabled = disabledFormat(options.format, rules);
  if (disabled) return { kind: 'invalid', refusal: disabled };
  return withoutDefaults(options as TransformOptions, rules);
}

function disabledFormat(format: unknown, rules: QueryRules): Refusal | undefined {
  if ((format === 'webp' && !rules.formats.webp) || (format === 'avif' && !rules.formats.avif)) {
    return refusal('format-disabled', 'Output format ' + format + ' is disabled in the configuration');
  }
  return undefined;
}

/**
 * Drops what does not change the output: `fit=cover` (the default) and any fit when only one side
 * is given (the other side then follows the aspect ratio whatever the fit), the default quality,
 * and `format=auto` (the same as no format).
 */
export function withoutDefaults(options: TransformOptions, rules: QueryRules): Canonical {
  const out: TransformOptions = {};
  let count = 0;
  if (options.width !== undefined) {
    out.width = options.width;
    count++;
  }
  if (options.height !== undefined) {
    out.height = options.height;
    count++;
  }
  if (options.fit !== undefined && options.fit !== 'cover' && count === 2) out.fit = options.fit;
  if (options.format !== undefined && options.format !== 'auto') {
    out.format = options.format;
    count++;
  }
  if (options.quality !== undefined && options.quality !== rules.defaultQuality) {
    out.quality = options.quality;
    count++;
  }
  return count === 0 ? { kind: 'none' } : { kind: 'transform', options: out };
}

function snapUp(allowed: readonly number[], value: number): number {
  let best = -1;
  let largest = 0;
  for (let i = 0; i < allowed.length; i++) {
    const candidate = allowed[i] as number;
    if (candidate > largest) largest = candidate;
    if (candidate >= value && (best === -1 || candidate < best)) best = candidate;
  }
  return best === -1 ? largest : best;
}

function notAllowed(code: ErrorCode, what: string, value: number, allowed: readonly number[]): Refusal {
  const sorted = allowed.slice().sort((a, b) => a - b);
  const plural = what === 'Quality' ? 'qualities' : what.toLowerCase() + 's';
  return refusal(code, what + ' ' + value + ' is not one of the allowed ' + plural + ' ' + sorted.join(', '));
}

/** A value on its allowlist (or any value for an empty list), its snapped replacement, or a refusal. */
function allowed(value: number, list: readonly number[], rules: QueryRules, code: ErrorCode, what: string) {
  if (list.length === 0 || list.indexOf(value) !== -1) return value;
  return rules.snap ? snapUp(list, value) : notAllowed(code, what, value, list);
}

/**
 * The allowlists, which bound the variants a visitor can make the edge compute and cache. A value
 * outside its list is refused, or with `snap` moved to the next allowed value up (the largest when
 * none is above); a snapped width scales the height alike, so the requested shape is kept. The result
 * is canonical again (a snapped quality may land on the default).
 */
export function applyAllowlists(options: TransformOptions, rules: QueryRules): Canonical {
  const out = copyOptions(options);
  if (out.width !== undefined) {
    const width = allowed(out.width, rules.allowedWidths, rules, 'width-not-allowed', 'Width');
    if (isRefusal(width)) return { kind: 'invalid', refusal: width };
    if (out.height !== undefined && width !== out.width) {
      out.height = Math.min(MAX_DIMENSION, Math.max(1, Math.round((out.height * width) / out.width)));
    }
    out.width = width;
  }
  if (out.height !== undefined) {
    const height = allowed(out.height, rules.allowedHeights, rules, 'height-not-allowed', 'Height');
    if (isRefusal(height)) return { kind: 'invalid', refusal: height };
    out.height = height;
  }
  if (out.quality !== undefined) {
    const quality = allowed(out.quality, rules.allowedQualities, rules, 'quality-not-allowed', 'Quality');
    if (isRefusal(quality)) return { kind: 'invalid', refusal: quality };
    out.quality = quality;
  }
  return withoutDefaults(out, rules);
}

/** Canonicalises, then applies the allowlists: what the origin serves for a query. */
export function canonicalRequest(pairs: readonly RawPair[], rules: QueryRules): Canonical {
  const canonical = canonicalize(pairs, rules);
  return canonical.kind === 'transform' ? applyAllowlists(canonical.options, rules) : canonical;
}

/** `width=500&height=300&...` in table order: equal requests share one string. */
export function canonicalQueryString(options: TransformOptions): string {
  const parts: string[] = [];
  for (let i = 0; i < PARAMETER_RULES.length; i++) {
    const name = (PARAMETER_RULES[i] as ParameterRule).name;
    const value = options[name];
    if (value !== undefined) parts.push(name + '=' + value);
  }
  return parts.join('&');
}

/**
 * One path segment decoded once, or undefined when it is not a plain name: a malformed escape, or a
 * segment that is empty, `.` or `..`, or holds `/`, `\` or NUL, which a URL parser or a file system
 * downstream would resolve or split (the request could leave the origin's prefix). The one rule for
 * the origin's object keys (keys.ts) and for the viewer function's canonical path.
 */
export function decodeSegment(raw: string): string | undefined {
  let segment: string;
  try {
    segment = decodeURIComponent(raw);
  } catch (_error) {
    return undefined;
  }
  if (segment === '' || segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return undefined;
  return segment;
}

/** The decoded segments of a path that starts with `/`, or undefined when any segment is unsafe. */
export function pathSegments(path: string): string[] | undefined {
  if (path.charAt(0) !== '/') return undefined;
  const raw = path.slice(1).split('/');
  const segments: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const segment = decodeSegment(raw[i] as string);
    if (segment === undefined) return undefined;
    segments.push(segment);
  }
  return segments;
}

/**
 * A decoded segment written one way: what a path may hold literally (RFC 3986's pchar: letters,
 * digits, `-._~!$&'()*,;=:@`) stays literal, as browsers send it; anything else, `+` included (S3
 * reads a literal `+` in a path as a space), becomes %XX in upper case.
 */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(2[46C]|3[ABD]|40)/g, (literal) =>
    decodeURIComponent(literal),
  );
}

/**
 * The path every spelling of one object shares (`/%6Candscape.jpg`, `/l%61ndscape.jpg` and
 * `/landscape.jpg` are `/landscape.jpg`): each segment decoded once, then encoded one way; undefined
 * for a path the origin would refuse.
 */
export function canonicalPath(uri: string): string | undefined {
  const segments = pathSegments(uri);
  if (segments === undefined) return undefined;
  for (let i = 0; i < segments.length; i++) segments[i] = encodeSegment(segments[i] as string);
  return '/' + segments.join('/');
}

/**
 * Media types an Accept header names explicitly with q > 0. Wildcards do not count: a client that
 * sends only `*\/*` (curl) has not said it can display WebP.
 */
export function acceptedImageTypeList(accept: string | undefined): string[] {
  const types: string[] = [];
  const ranges = (accept === undefined ? '' : accept).split(',');
  for (let i = 0; i < ranges.length; i++) {
    const parts = (ranges[i] as string).split(';');
    const type = (parts[0] as string).trim().toLowerCase();
    let refused = false;
    for (let j = 1; j < parts.length; j++) {
      const param = (parts[j] as string).trim().toLowerCase();
      if (param.indexOf('q=') === 0 && !(Number(param.slice(2)) > 0)) refused = true;
    }
    if (!refused && type.indexOf('image/') === 0 && type.charAt(type.length - 1) !== '*') types.push(type);
  }
  return types;
}

/** The best enabled modern format Accept allows, or undefined (then: the original's format). */
export function negotiatedFormat(
  accept: string | undefined,
  formats: QueryRules['formats'],
): 'avif' | 'webp' | undefined {
  const types = acceptedImageTypeList(accept);
  if (formats.avif && types.indexOf('image/avif') !== -1) return 'avif';
  if (formats.webp && types.indexOf('image/webp') !== -1) return 'webp';
  return undefined;
}

/** The query parameter holding a signature; never part of the canonical query or the cache key. */
export const SIGNATURE_PARAMETER = 'sig';
/** Optional, signed: the unix second from which the URL is refused. */
export const EXPIRES_PARAMETER = 'expires';
/** Optional, signed: which secret signed the URL (absent: the default secret). */
export const KEY_ID_PARAMETER = 'kid';

/** A key id names a secret in a key value store or an environment variable: short and plain. */
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** Unix seconds in canonical decimal: 11 digits reach the year 5138. */
const SECONDS = /^[1-9][0-9]{0,10}$/;

/** What a signed URL claims: its signature, and optionally when it expires and which key signed it. */
export interface SignatureClaim {
  sig: string;
  expires: number | undefined;
  kid: string | undefined;
}

/**
 * What a signature covers: the canonical path, the canonical query, then `expires` and `kid` when
 * present. A URL without them signs exactly what it did before they existed.
 */
export function signatureMessage(
  path: string,
  options: TransformOptions,
  claim?: Partial<SignatureClaim>,
): string {
  let message = path + '?' + canonicalQueryString(options);
  if (claim && claim.expires !== undefined) message += '&' + EXPIRES_PARAMETER + '=' + claim.expires;
  if (claim && claim.kid !== undefined) message += '&' + KEY_ID_PARAMETER + '=' + claim.kid;
  return message;
}

/** Equal strings, in time that depends on their length only. */
export function constantTimeEqual(a: string, b: string): boolean {
  let difference = a.length === b.length ? 0 : 1;
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    difference |= (i < a.length ? a.charCodeAt(i) : 0) ^ (i < b.length ? b.charCodeAt(i) : 0);
  }
  return difference === 0;
}

/**
 * The signing parameters of a request, each decoded once, or why they cannot be checked: `sig`
 * missing, or any of the three repeated or malformed (a repeat could mean two different things).
 */
export function signatureClaim(pairs: readonly RawPair[]): SignatureClaim | string {
  const found: Record<string, string> = {};
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as RawPair;
    const name = decodeComponent(pair[0]);
    if (name !== SIGNATURE_PARAMETER && name !== EXPIRES_PARAMETER && name !== KEY_ID_PARAMETER) continue;
    const value = decodeComponent(pair[1]);
    if (found[name] !== undefined || value === undefined) return 'Malformed ' + name;
    found[name] = value;
  }
  const sig = found[SIGNATURE_PARAMETER];
  const expires = found[EXPIRES_PARAMETER];
  const kid = found[KEY_ID_PARAMETER];
  if (sig === undefined) return 'Missing signature';
  if (expires !== undefined && !SECONDS.test(expires)) return 'Malformed ' + EXPIRES_PARAMETER;
  if (kid !== undefined && !KEY_ID.test(kid)) return 'Malformed ' + KEY_ID_PARAMETER;
  return { sig: sig, expires: expires === undefined ? undefined : Number(expires), kid: kid };
}

/** Whether a string can name a signing key (`kid`). */
export function isKeyId(kid: string): boolean {
  return KEY_ID.test(kid);
}

export interface ViewerRules extends QueryRules {
  /** Requests with recognised parameters need a valid `sig`. */
  signing: boolean;
}

/** The configuration fields the rules come from (a ResizerConfig satisfies it). */
export interface RulesConfig {
  defaultQuality: number;
  formats: { webp: boolean; avif: boolean };
  allowedWidths: readonly number[];
  allowedHeights: readonly number[];
  allowedQualities: readonly number[];
  snapWidths: boolean;
  signing: { required: boolean };
}

/** The query rules of a configuration: the one mapping, used by the core and baked into the function. */
export function queryRulesOf(config: Omit<RulesConfig, 'signing'>): QueryRules {
  return {
    defaultQuality: config.defaultQuality,
    formats: { webp: config.formats.webp, avif: config.formats.avif },
    allowedWidths: config.allowedWidths,
    allowedHeights: config.allowedHeights,
    allowedQualities: config.allowedQualities,
    snap: config.snapWidths,
  };
}

/** The viewer step's rules: the query rules plus whether signatures are required. */
export function rulesOf(config: RulesConfig): ViewerRules {
  const rules = queryRulesOf(config) as ViewerRules;
  rules.signing = config.signing.required;
  return rules;
}

export interface ViewerInput {
  /** The path as the viewer sent it. */
  uri: string;
  pairs: readonly RawPair[];
  accept: string | undefined;
}

/**
 * What the viewer-request step decides before the cache key exists:
 * - `not-found`: the path is not a plain key (a malformed escape, an empty, `.` or `..` segment, an
 *   encoded `/`, `\` or NUL): the origin would refuse it, so it is refused here (404), uncached;
 * - `forbidden`: signing is required and the signature is missing, wrong or expired (403);
 * - `original`: no recognised parameter, or a request the origin would refuse anyway: the query is
 *   cleared, so all such requests share the original's one cache entry;
 * - `transform`: the canonical options, with `format=auto` or no format resolved against Accept.
 * `path` is the canonical path: every spelling of one object is one path, and one cache key.
 */
export type ViewerDecision =
  | { kind: 'not-found'; message: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'original'; path: string; reason: ErrorCode | 'no-parameters'; message: string }
  | { kind: 'transform'; path: string; options: TransformOptions; negotiated: boolean };

/**
 * The viewer step. `verify(message, sig)` checks a signature with the platform's HMAC; it is called
 * only when signing is on, the request asks for a transform and its signature has not expired at
 * `now` (unix seconds).
 */
export function viewerDecision(
  input: ViewerInput,
  rules: ViewerRules,
  verify: (message: string, sig: string) => boolean,
  now: number,
): ViewerDecision {
  const path = canonicalPath(input.uri);
  if (path === undefined) return { kind: 'not-found', message: 'Expected a path of plain names' };
  const canonical = canonicalize(input.pairs, rules);
  if (canonical.kind === 'none')
    return { kind: 'original', path: path, reason: 'no-parameters', message: '' };
  if (rules.signing) {
    const claim = signatureClaim(input.pairs);
    if (typeof claim === 'string') return { kind: 'forbidden', message: claim };
    if (claim.expires !== undefined && claim.expires <= now) return { kind: 'forbidden', message: 'Expired' };
    if (
      canonical.kind === 'invalid' ||
      !verify(signatureMessage(path, canonical.options, claim), claim.sig)
    ) {
      return { kind: 'forbidden', message: 'Invalid signature' };
    }
  }
  const checked = canonical.kind === 'transform' ? applyAllowlists(canonical.options, rules) : canonical;
  if (checked.kind === 'invalid') {
    return { kind: 'original', path: path, reason: checked.refusal.code, message: checked.refusal.message };
  }
  if (checked.kind === 'none') return { kind: 'original', path: path, reason: 'no-parameters', message: '' };
  if (checked.options.format !== undefined) {
    return { kind: 'transform', path: path, options: checked.options, negotiated: false };
  }
  const options = copyOptions(checked.options);
  const chosen = negotiatedFormat(input.accept, rules.formats);
  if (chosen !== undefined) options.format = chosen;
  return { kind: 'transform', path: path, options: options, negotiated: true };
}

/** A copy holding only the fields that are set. */
function copyOptions(options: TransformOptions): TransformOptions {
  const out: TransformOptions = {};
  if (options.width !== undefined) out.width = options.width;
  if (options.height !== undefined) out.height = options.height;
  if (options.fit !== undefined) out.fit = options.fit;
  if (options.format !== undefined) out.format = options.format;
  if (options.quality !== undefined) out.quality = options.quality;
  return out;
}
