import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import { viewerRequestSource } from '../../infra/stack.js';
import { chooseFormat } from '../../src/core/negotiate.js';
import ACCEPT from '../fixtures/accept-headers.json' with { type: 'json' };

// The CloudFront Function source as deployed, run in a bare V8 context with CloudFront Functions'
// event shape: querystring and headers are objects of { value } (multiValue for repeats).
type QueryValue = { value: string; multiValue?: { value: string }[] };
type Query = Record<string, QueryValue>;

function load(
  formats = { webp: true, avif: false },
  widths: { allowedWidths?: number[]; snapWidths?: boolean } = {},
) {
  const handler = runInNewContext(`${viewerRequestSource({ formats, ...widths })}\nhandler;`, {}) as (
    event: unknown,
  ) => {
    querystring: Query;
  };
  return (query: Query, accept?: string) =>
    handler({
      version: '1.0',
      context: { eventType: 'viewer-request' },
      viewer: { ip: '198.51.100.1' },
      request: {
        method: 'GET',
        uri: '/photos/cat.jpg',
        querystring: query,
        headers: accept === undefined ? {} : { accept: { value: accept } },
        cookies: {},
      },
    }).querystring;
}

/** Parses `a=1&b=2&a=3` into the CloudFront Functions querystring object. */
function qs(raw: string): Query {
  const out: Query = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    const entry = out[name];
    if (!entry) out[name] = { value };
    else entry.multiValue = [...(entry.multiValue ?? [{ value: entry.value }]), { value }];
  }
  return out;
}

/** The cache key's query part: the canonical object in its own key order. */
function cacheKey(query: Query): string {
  return Object.entries(query)
    .flatMap(([name, v]) => (v.multiValue ?? [v]).map((m) => `${name}=${m.value}`))
    .join('&');
}

describe('format resolution against the Accept headers of real clients', () => {
  test.each([
    ['chrome', { webp: true, avif: false }, 'width=300&format=webp'],
    ['safari', { webp: true, avif: false }, 'width=300&format=webp'],
    ['firefox', { webp: true, avif: false }, 'width=300&format=webp'],
    ['curl', { webp: true, avif: false }, 'width=300'],
    ['chrome', { webp: true, avif: true }, 'width=300&format=avif'],
    ['safari', { webp: true, avif: true }, 'width=300&format=avif'],
    ['curl', { webp: true, avif: true }, 'width=300'],
    ['chrome', { webp: false, avif: false }, 'width=300'],
  ] as const)('%s with %j -> %s', (client, formats, key) => {
    const run = load(formats);
    expect(cacheKey(run(qs('width=300'), ACCEPT[client]))).toBe(key);
    expect(cacheKey(run(qs('width=300&format=auto'), ACCEPT[client]))).toBe(key);
  });

  test.each(Object.entries(ACCEPT))('agrees with the origin-side negotiation for %s', (_client, accept) => {
    for (const formats of [
      { webp: true, avif: false },
      { webp: true, avif: true },
    ]) {
      const chosen = load(formats)(qs('width=10'), accept).format?.value;
      const core = chooseFormat(undefined, 'jpeg', accept, formats).format;
      expect(chosen ?? 'jpeg').toBe(core);
    }
  });
});

describe('one cache key per variant', () => {
  const run = load();
  test.each([
    ['width=300&height=200&fit=inside&quality=70', 'height=200&quality=70&width=300&fit=inside'],
    ['width=300&height=200', 'utm_source=x&height=200&ref=y&width=300'],
    ['width=300&height=200', 'width=300&width=300&height=200'],
    ['width=300&format=png', 'format=png&width=300&format=png'],
    ['width=300&format=auto', 'format=auto&width=300'],
  ])('%s ~ %s', (a, b) => {
    for (const accept of Object.values(ACCEPT)) {
      expect(cacheKey(run(qs(b), accept))).toBe(cacheKey(run(qs(a), accept)));
    }
  });

  test('canonical order and unknown names dropped', () => {
    expect(cacheKey(run(qs('quality=70&fit=cover&utm=1&height=5&width=9'), ACCEPT.curl))).toBe(
      'width=9&height=5&fit=cover&quality=70',
    );
  });

  test('conflicting repeats are kept, for the origin to refuse', () => {
    expect(cacheKey(run(qs('width=100&width=200'), ACCEPT.curl))).toBe('width=100&width=200');
  });

  test('no recognised parameter: nothing is added, not even a format', () => {
    expect(run(qs(''), ACCEPT.chrome)).toEqual({});
    expect(run(qs('utm_source=mail'), ACCEPT.chrome)).toEqual({});
  });

  test('format=auto alone, without WebP support, still asks for a re-encode', () => {
    expect(cacheKey(run(qs('format=auto'), ACCEPT.curl))).toBe('format=auto');
  });

  test('an explicit format is kept whatever Accept says', () => {
    expect(cacheKey(run(qs('width=1&format=jpeg'), ACCEPT.chrome))).toBe('width=1&format=jpeg');
  });

  test('values are passed on as sent, for the origin to validate', () => {
    expect(cacheKey(run(qs('width=abc&quality=0'), ACCEPT.curl))).toBe('width=abc&quality=0');
  });
});

test('the deployed source is under the 10 KB CloudFront Functions limit', () => {
  const source = viewerRequestSource({
    formats: { webp: true, avif: true },
    allowedWidths: [320, 640, 1280],
    snapWidths: true,
  });
  expect(Buffer.byteLength(source)).toBeLessThan(10 * 1024);
});

describe('allowed widths at the cache key', () => {
  const strict = load(undefined, { allowedWidths: [320, 640] });
  const snapping = load(undefined, { allowedWidths: [320, 640], snapWidths: true });
  test('an allowed width passes', () => {
    expect(cacheKey(strict(qs('width=320&height=100'), ACCEPT.curl))).toBe('width=320&height=100');
  });
  test('another width is stripped, so the original is served from one cache entry', () => {
    expect(strict(qs('width=321&height=100'), ACCEPT.chrome)).toEqual({});
  });
  test('snapping moves width (and height) as the origin would', () => {
    expect(cacheKey(snapping(qs('width=500&height=250'), ACCEPT.curl))).toBe('width=640&height=320');
    expect(cacheKey(snapping(qs('width=5000'), ACCEPT.curl))).toBe('width=640');
  });
  test('invalid widths are left for the origin to refuse', () => {
    expect(cacheKey(strict(qs('width=abc'), ACCEPT.curl))).toBe('width=abc');
  });
});
