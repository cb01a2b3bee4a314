/**
 * A generator of the requests an attacker would send to multiply cache keys: recognised names
 * spelled in every way (percent-encoded, cased, padded, lookalikes), values encoded, padded,
 * signed, exponents, huge or malformed, repeats that agree or conflict, junk parameters, any order,
 * and Accept headers real and invented. Seeded, so a failure replays.
 */
import ACCEPT from '../fixtures/accept-headers.json' with { type: 'json' };

export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;

/** Each character as %XX, the way an attacker would dodge a plain-decimal check. */
export function encodeAll(text: string): string {
  return [...text].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

function spellName(rnd: () => number, name: string): string {
  const r = rnd();
  if (r < 0.6) return name;
  if (r < 0.7) return encodeAll(name);
  if (r < 0.75) return name.slice(0, 2) + encodeAll(name.slice(2, 3)) + name.slice(3);
  if (r < 0.8) return name.toUpperCase();
  if (r < 0.85) return `${name}%20`;
  if (r < 0.9) return `${name}[]`;
  return name.charAt(0);
}

function integerValue(rnd: () => number, max: number): string {
  const n = 1 + Math.floor(rnd() ** 2 * max * 1.3);
  const r = rnd();
  if (r < 0.45) return String(n);
  if (r < 0.6) return encodeAll(String(n));
  if (r < 0.65) return `0${n}`;
  if (r < 0.7) return `+${n}`;
  if (r < 0.73) return `-${n}`;
  if (r < 0.76) return `${n}.0`;
  if (r < 0.79) return `${n}e0`;
  if (r < 0.82) return `0x${n.toString(16)}`;
  if (r < 0.85) return `%20${n}`;
  if (r < 0.88) return '%';
  if (r < 0.9) return `${n}%zz`;
  if (r < 0.92) return '';
  if (r < 0.94) return '99999999999999999999';
  if (r < 0.96) return '%EF%BC%95'; // a fullwidth digit
  return String(n);
}

const VALUES: Record<string, (rnd: () => number) => string> = {
  width: (rnd) => integerValue(rnd, 2000),
  height: (rnd) => integerValue(rnd, 2000),
  quality: (rnd) => integerValue(rnd, 100),
  fit: (rnd) =>
    pick(rnd, ['cover', 'contain', 'fill', 'inside', 'outside', 'COVER', 'crop', encodeAll('inside'), '']),
  format: (rnd) =>
    pick(rnd, [
      'jpeg',
      'png',
      'webp',
      'avif',
      'auto',
      'jpg',
      'gif',
      encodeAll('webp'),
      'Auto',
      'auto',
      'auto',
    ]),
};

const JUNK = ['utm_source', 'ref', 'v', 'sig', 'w', 'h', 'q', 'cachebust', 'x%00y', '%zz'];

export interface HostileRequest {
  /** Raw pairs, names and values as sent. */
  pairs: [string, string][];
  accept: string | undefined;
}

export function hostileRequest(rnd: () => number): HostileRequest {
  const pairs: [string, string][] = [];
  const count = Math.floor(rnd() * 6);
  for (let i = 0; i < count; i++) {
    const name = pick(rnd, ['width', 'width', 'height', 'height', 'quality', 'fit', 'format']);
    const value = (VALUES[name] as (rnd: () => number) => string)(rnd);
    pairs.push([spellName(rnd, name), value]);
    if (rnd() < 0.1) pairs.push([name, value]); // an agreeing repeat
  }
  const junk = Math.floor(rnd() * 3);
  for (let i = 0; i < junk; i++) pairs.push([pick(rnd, JUNK), String(Math.floor(rnd() * 1e6))]);
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j] as [string, string], pairs[i] as [string, string]];
  }
  const accepts = [
    ...Object.values(ACCEPT),
    undefined,
    'image/webp;q=0.001',
    'image/avif;q=0',
    'text/html, image/WebP',
  ];
  return { pairs, accept: pick(rnd, accepts) };
}

/** A raw query string from pairs. */
export function rawQuery(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** CloudFront Functions' querystring object for raw pairs: keyed by name as sent, repeats in multiValue. */
export function functionQuery(pairs: readonly (readonly [string, string])[]) {
  const out: Record<string, { value: string; multiValue?: { value: string }[] }> = {};
  for (const [name, value] of pairs) {
    const entry = out[name];
    if (!entry) out[name] = { value };
    else entry.multiValue = [...(entry.multiValue ?? [{ value: entry.value }]), { value }];
  }
  return out;
}

/** A viewer-request event as CloudFront Functions hands it over. */
export function viewerEvent(uri: string, pairs: readonly (readonly [string, string])[], accept?: string) {
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '198.51.100.1' },
    request: {
      method: 'GET',
      uri,
      querystring: functionQuery(pairs),
      headers: accept === undefined ? {} : { accept: { value: accept } },
      cookies: {},
    },
  };
}

/** The query a function result forwards, in its key order (the cache key's query part). */
export function forwardedQuery(result: { querystring?: Record<string, { value: string }> }): string {
  return Object.entries(result.querystring ?? {})
    .map(([name, { value }]) => `${name}=${value}`)
    .join('&');
}

/** A request a real page would send: valid values, some over the original, any Accept. */
export function plausibleRequest(rnd: () => number): HostileRequest {
  const pairs: [string, string][] = [];
  if (rnd() < 0.8) pairs.push(['width', String(1 + Math.floor(rnd() * 1300))]);
  if (rnd() < 0.4) pairs.push(['height', String(1 + Math.floor(rnd() * 900))]);
  if (rnd() < 0.4) pairs.push(['fit', pick(rnd, ['cover', 'contain', 'fill', 'inside', 'outside'])]);
  if (rnd() < 0.4) pairs.push(['format', pick(rnd, ['jpeg', 'png', 'webp', 'auto'])]);
  if (rnd() < 0.3) pairs.push(['quality', String(1 + Math.floor(rnd() * 100))]);
  const accepts = [...Object.values(ACCEPT), undefined];
  return { pairs, accept: pick(rnd, accepts) };
}

/** One character of a path, spelled as a visitor may: literal, or %XX in either case, byte by byte. */
function spellChar(rnd: () => number, char: string): string {
  const r = rnd();
  if (r < 0.4 && /[A-Za-z0-9\-._~!$&'()*,;=:@+]/.test(char)) return char;
  const bytes =
    encodeURIComponent(char) === char ? `%${char.charCodeAt(0).toString(16)}` : encodeURIComponent(char);
  const escaped = bytes.replace(/%([0-9a-fA-F]{2})/g, (_all, hex: string) => `%${hex.toUpperCase()}`);
  return r < 0.7 ? escaped : escaped.toLowerCase();
}

/**
 * A path spelled another way, segment by segment: each character literal (when a path may hold it)
 * or percent-encoded in upper or lower case, so `/landscape.jpg` becomes `/%6Candscape.jpg`,
 * `/l%61ndscape.jpg`, `/%6c%61ndsc%61pe%2Ejpg`... Every spelling names the same object.
 */
export function pathSpelling(rnd: () => number, name: string): string {
  return name
    .split('/')
    .map((segment) => [...segment].map((char) => spellChar(rnd, char)).join(''))
    .join('/');
}

/** How many spellings `pathSpelling` can reach for a name (literal, %XX, %xx per character). */
export function pathSpellingCount(name: string): number {
  let count = 1;
  for (const char of name.replace(/\//g, '')) {
    const upper = `%${char.charCodeAt(0).toString(16).toUpperCase()}`;
    count *= upper === upper.toLowerCase() ? 2 : 3;
  }
  return count;
}

/** Paths the origin refuses, each one way a visitor would try to leave the prefix or split a key. */
export const REFUSED_PATHS = [
  '/',
  '/photos/',
  '//cat.jpg',
  '/photos//cat.jpg',
  '/photos/../cat.jpg',
  '/photos/%2E%2E/cat.jpg',
  '/photos/%2e/cat.jpg',
  '/photos%2Fcat.jpg',
  '/photos%2fcat.jpg',
  '/photos%5Ccat.jpg',
  '/cat%00.jpg',
  '/cat%zz.jpg',
  '/cat%.jpg',
  '/cat%C3.jpg', // half a UTF-8 sequence
  '/cat%FF.jpg',
  '/cat%ED%A0%80.jpg', // a lone surrogate
  'cat.jpg',
];

/** Paths the origin serves, spelled in ways that differ from their canonical form. */
export const ODD_PATHS = [
  '/photos/my cat.jpg',
  '/photos/my%20cat.jpg',
  '/photos/my+cat.jpg',
  '/photos/my%2Bcat.jpg',
  '/caf%C3%A9.jpg',
  '/caf%c3%a9.jpg',
  '/café.jpg',
  '/cat@2x.jpg',
  '/cat%402x.jpg',
  "/a(1)!'*.jpg",
  '/%28a%29.jpg',
  '/a%3Fb.jpg',
  '/a%23b.jpg',
  '/a%25b.jpg',
  '/%7Euser/%7euser.jpg',
  '/~user/x.jpg',
  '/a;b=c,d$&.jpg',
  '/%E2%9C%93.png',
  '/...jpg',
];
