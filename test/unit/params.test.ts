import { describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config.js';
import { canonicalQuery, normalizeOptions, parseQuery } from '../../src/core/params.js';

describe('parseQuery: accepted', () => {
  test.each([
    ['width=500&height=300', { width: 500, height: 300 }],
    ['?width=500', { width: 500 }],
    ['height=1', { height: 1 }],
    ['width=16383', { width: 16383 }],
    ['fit=contain&width=10&height=5', { width: 10, height: 5, fit: 'contain' }],
    ['fit=contain&width=10', { width: 10 }], // one side: the fit changes nothing, so it is dropped
    ['width=10&fit=cover&quality=80&format=auto', { width: 10 }], // defaults are dropped
    ['format=webp&quality=100', { format: 'webp', quality: 100 }],
    ['quality=1', { quality: 1 }],
    ['width=500&width=500', { width: 500 }], // repeated with the same value
    ['width=500&utm_source=x&Width=7', { width: 500 }], // unknown names (case-sensitive) ignored
    ['width=%35%30%30', { width: 500 }], // percent-encoded digits
  ])('%s', (query, options) => {
    expect(parseQuery(query)).toEqual({ kind: 'transform', options });
  });
});

describe('parseQuery: no recognised parameter, or only defaults', () => {
  test.each([
    '',
    '?',
    'utm_source=newsletter',
    'w=500&h=300',
    'WIDTH=5',
    'format=auto',
    'quality=80&fit=cover',
  ])('%s', (query) => {
    expect(parseQuery(query)).toEqual({ kind: 'none' });
  });
});

describe('parseQuery: rejected with one message shape', () => {
  test.each([
    ['width=0', "Expected integer between 1 and 16383 for width but received '0'"],
    ['width=-5', "Expected integer between 1 and 16383 for width but received '-5'"],
    ['width=10.5', "Expected integer between 1 and 16383 for width but received '10.5'"],
    ['width=abc', "Expected integer between 1 and 16383 for width but received 'abc'"],
    ['width=', "Expected integer between 1 and 16383 for width but received ''"],
    ['width=1e3', "Expected integer between 1 and 16383 for width but received '1e3'"],
    ['width=0x10', "Expected integer between 1 and 16383 for width but received '0x10'"],
    ['width=+5', "Expected integer between 1 and 16383 for width but received ' 5'"],
    ['width=%205', "Expected integer between 1 and 16383 for width but received ' 5'"],
    ['width=050', "Expected integer between 1 and 16383 for width but received '050'"],
    ['width=%EF%BC%95', "Expected integer between 1 and 16383 for width but received '５'"],
    ['width=16384', "Expected integer between 1 and 16383 for width but received '16384'"],
    ['height=99999999999', "Expected integer between 1 and 16383 for height but received '99999999999'"],
    ['quality=abc', "Expected integer between 1 and 100 for quality but received 'abc'"],
    ['quality=101', "Expected integer between 1 and 100 for quality but received '101'"],
    ['fit=crop', "Expected one of cover, contain, fill, inside, outside for fit but received 'crop'"],
    ['format=gif', "Expected one of jpeg, png, webp, avif, auto for format but received 'gif'"],
    ['format=JPEG', "Expected one of jpeg, png, webp, avif, auto for format but received 'JPEG'"],
    ['width=500&width=600', "Expected one value for width but received '500' and '600'"],
    ['width=%zz', "Expected a well-formed percent-encoding for width but received '%zz'"],
    ['width=5%', "Expected a well-formed percent-encoding for width but received '5%'"],
    ['width=500&height=x', "Expected integer between 1 and 16383 for height but received 'x'"],
  ])('%s', (query, message) => {
    const parsed = parseQuery(query);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind !== 'invalid') return;
    expect(parsed.error.code).toBe('invalid-parameter');
    expect(parsed.error.message).toBe(message);
  });
});

test('parameter order never changes the canonical query', () => {
  const a = parseQuery('quality=70&format=webp&height=300&width=500&fit=inside');
  const b = parseQuery('width=500&fit=inside&height=300&format=webp&quality=70');
  expect(a).toEqual(b);
  if (a.kind !== 'transform') throw new Error('expected a transform');
  expect(canonicalQuery(a.options)).toBe('width=500&height=300&fit=inside&format=webp&quality=70');
});

describe('normalizeOptions (library callers)', () => {
  test('accepts typed options', () => {
    expect(normalizeOptions({ width: 300, height: 200, fit: 'inside', quality: 50 })).toEqual({
      width: 300,
      height: 200,
      fit: 'inside',
      quality: 50,
    });
  });
  test.each([
    [{ width: 0 }, "Expected integer between 1 and 16383 for width but received '0'"],
    [{ width: 2.5 }, "Expected integer between 1 and 16383 for width but received '2.5'"],
    [{ width: Number.NaN }, "Expected integer between 1 and 16383 for width but received 'NaN'"],
    [
      { fit: 'stretch' as never },
      "Expected one of cover, contain, fill, inside, outside for fit but received 'stretch'",
    ],
    [{ quality: {} as never }, "Expected an integer for quality but received '[object Object]'"],
    [{ fit: 5 as never }, "Expected one of cover, contain, fill, inside, outside for fit but received '5'"],
    [{ format: true as never }, "Expected a string for format but received 'true'"],
    [{ fit: null as never }, "Expected a string for fit but received 'null'"],
    [{ width: [300] as never }, "Expected an integer for width but received '300'"],
  ])('%j', (options, message) => {
    expect(() => normalizeOptions(options)).toThrow(
      expect.objectContaining({ code: 'invalid-parameter', message }),
    );
  });

  test.each([null, 5, 'width=5', undefined])('%j is not an options object', (options) => {
    expect(() => normalizeOptions(options as never)).toThrow(
      expect.objectContaining({
        code: 'invalid-parameter',
        message: `Expected an options object but received '${String(options)}'`,
      }),
    );
  });

  test('defaults only, or nothing: empty options (the original size, re-encoded)', () => {
    expect(normalizeOptions({})).toEqual({});
    expect(normalizeOptions({ quality: 80, fit: 'cover', format: 'auto' })).toEqual({});
  });

  test("the configuration's allowlists apply, and its default quality", () => {
    const config = { ...DEFAULT_CONFIG, allowedWidths: [320], snapWidths: true, defaultQuality: 70 };
    expect(normalizeOptions({ width: 100, quality: 70 }, config)).toEqual({ width: 320 });
    expect(() => normalizeOptions({ width: 100 }, { ...config, snapWidths: false })).toThrow(
      expect.objectContaining({ code: 'width-not-allowed' }),
    );
  });
});

describe('parseQuery takes a string, its pairs or URLSearchParams alike', () => {
  test.each([
    ['width=300&fit=inside&height=200'],
    [
      [
        ['width', '300'],
        ['fit', 'inside'],
        ['height', '200'],
      ],
    ],
    [new URLSearchParams('width=300&fit=inside&height=200')],
  ] as const)('%s', (query) => {
    expect(parseQuery(query as never)).toEqual({
      kind: 'transform',
      options: { width: 300, height: 200, fit: 'inside' },
    });
  });

  test('URLSearchParams values are taken as decoded, not decoded twice', () => {
    expect(parseQuery(new URLSearchParams([['width', '%35']]))).toMatchObject({ kind: 'invalid' });
    expect(parseQuery(new URLSearchParams([['width', '5']]))).toEqual({
      kind: 'transform',
      options: { width: 5 },
    });
  });

  test('with a configuration: its allowlists and disabled formats', () => {
    const config = { ...DEFAULT_CONFIG, allowedHeights: [100], formats: { webp: false, avif: false } };
    expect(parseQuery('height=101', config)).toMatchObject({
      kind: 'invalid',
      error: { code: 'height-not-allowed' },
    });
    expect(parseQuery('width=10&format=webp', config)).toMatchObject({
      kind: 'invalid',
      error: { code: 'format-disabled', message: 'Output format webp is disabled in the configuration' },
    });
  });
});
