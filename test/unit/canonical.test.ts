import { describe, expect, test } from 'vitest';
import {
  acceptedImageTypeList,
  canonicalQueryString,
  constantTimeEqual,
  decodeComponent,
  type RawPair,
  rulesOf,
  signatureClaim,
  splitQuery,
  type ViewerRules,
  viewerDecision,
} from '../../src/core/canonical.js';
import { DEFAULT_CONFIG } from '../../src/core/config.js';
import { decideViewer, hmacBase64url, signPath } from '../../src/core/signing.js';
import ACCEPT from '../fixtures/accept-headers.json' with { type: 'json' };

// The viewer step in V8, piece by piece (the same code runs under njs in test/infra).

const RULES: ViewerRules = rulesOf(DEFAULT_CONFIG);
const SIGNED: ViewerRules = { ...RULES, signing: true };
const pairs = (query: string) => splitQuery(query);

/** A decision less its canonical path, which the path tests check on their own. */
function withoutPath(decision: ReturnType<typeof viewerDecision>) {
  if (decision.kind !== 'original' && decision.kind !== 'transform') return decision;
  const { path: _path, ...rest } = decision;
  return rest;
}

describe('splitting and decoding', () => {
  test.each([
    ['', []],
    ['?', []],
    [
      '?a=1&&b',
      [
        ['a', '1'],
        ['b', ''],
      ],
    ],
    ['a=b=c', [['a', 'b=c']]],
    [
      '=x&y=',
      [
        ['', 'x'],
        ['y', ''],
      ],
    ],
  ] as const)('splitQuery(%j)', (query, expected) => {
    expect(splitQuery(query)).toEqual(expected);
  });

  test.each([
    ['a+b', 'a b'],
    ['%2B', '+'],
    ['%E2%82%AC', '€'],
    ['%', undefined],
    ['%zz', undefined],
    ['%E2%82', undefined],
  ])('decodeComponent(%j)', (raw, decoded) => {
    expect(decodeComponent(raw)).toBe(decoded);
  });
});

describe('Accept', () => {
  test.each([
    ['image/webp,image/avif', ['image/webp', 'image/avif']],
    [' IMAGE/WEBP ; q=0.5 ', ['image/webp']],
    ['image/webp;q=0,image/png', ['image/png']],
    ['image/webp;q=0.0', []],
    ['image/*,*/*', []],
    ['text/html,image/png;q=1', ['image/png']],
    [undefined, []],
  ] as const)('%j', (accept, types) => {
    expect(acceptedImageTypeList(accept)).toEqual(types);
  });
});

describe('the viewer decision', () => {
  const decide = (query: string, accept: string | undefined = ACCEPT.curl, rules = RULES) =>
    withoutPath(viewerDecision({ uri: '/a.jpg', pairs: pairs(query), accept }, rules, () => false, 0));

  test.each([
    ['', { kind: 'original', reason: 'no-parameters', message: '' }],
    ['utm=1&quality=80', { kind: 'original', reason: 'no-parameters', message: '' }],
    [
      'width=0',
      {
        kind: 'original',
        reason: 'invalid-parameter',
        message: "Expected integer between 1 and 16383 for width but received '0'",
      },
    ],
    [
      'width=10&format=avif',
      {
        kind: 'original',
        reason: 'format-disabled',
        message: 'Output format avif is disabled in the configuration',
      },
    ],
    ['width=10&format=png', { kind: 'transform', options: { width: 10, format: 'png' }, negotiated: false }],
    ['width=10', { kind: 'transform', options: { width: 10 }, negotiated: true }],
  ] as const)('%j', (query, decision) => {
    expect(decide(query)).toEqual(decision);
  });

  test('the format comes from Accept: AVIF first when enabled, then WebP', () => {
    const both: ViewerRules = { ...RULES, formats: { webp: true, avif: true } };
    expect(decide('width=10', ACCEPT.chrome, both)).toEqual({
      kind: 'transform',
      options: { width: 10, format: 'avif' },
      negotiated: true,
    });
    expect(decide('width=10', 'image/webp', both)).toEqual({
      kind: 'transform',
      options: { width: 10, format: 'webp' },
      negotiated: true,
    });
    expect(decide('width=10&quality=50', ACCEPT.chrome)).toEqual({
      kind: 'transform',
      options: { width: 10, format: 'webp', quality: 50 },
      negotiated: true,
    });
  });

  test('an allowlist refusal clears the query with its reason', () => {
    const lists: ViewerRules = { ...RULES, allowedWidths: [320] };
    expect(decide('width=321', undefined, lists)).toEqual({
      kind: 'original',
      reason: 'width-not-allowed',
      message: 'Width 321 is not one of the allowed widths 320',
    });
  });
});

describe('signatures in the viewer decision', () => {
  const seen: [string, string][] = [];
  const decide = (query: string, ok: boolean, uri = '/p/a.jpg', now = 1_800_000_000) =>
    withoutPath(
      viewerDecision(
        { uri, pairs: pairs(query), accept: ACCEPT.curl },
        SIGNED,
        (message, sig) => {
          seen.push([message, sig]);
          return ok;
        },
        now,
      ),
    );

  test('verify sees the path and the canonical query, without sig, in order, defaults dropped', () => {
    seen.length = 0;
    expect(decide('sig=abc&quality=80&height=5&width=9&utm=x', true)).toEqual({
      kind: 'transform',
      options: { width: 9, height: 5 },
      negotiated: true,
    });
    expect(seen).toEqual([['/p/a.jpg?width=9&height=5', 'abc']]);
  });

  test.each([
    ['width=9', true, 'Missing signature'],
    ['width=9&sig=a&sig=b', true, 'Malformed sig'],
    ['width=9&sig=%zz', true, 'Malformed sig'],
    ['width=9&expires=1800000000&sig=abc', true, 'Expired'],
    ['width=9&expires=1799999999&sig=abc', true, 'Expired'],
    ['width=9&expires=1e10&sig=abc', true, 'Malformed expires'],
    ['width=9&expires=01800000001&sig=abc', true, 'Malformed expires'],
    ['width=9&expires=1800000001&expires=1800000001&sig=abc', true, 'Malformed expires'],
    ['width=9&kid=a%2Fb&sig=abc', true, 'Malformed kid'],
    ['width=9&kid=&sig=abc', true, 'Malformed kid'],
    ['width=9&kid=a&kid=b&sig=abc', true, 'Malformed kid'],
    ['width=9&sig=abc', false, 'Invalid signature'],
    ['width=abc&sig=abc', true, 'Invalid signature'],
  ])('%s -> 403 (%s)', (query, ok, message) => {
    expect(decide(query, ok)).toEqual({ kind: 'forbidden', message });
  });

  test('no transform asked, no signature needed', () => {
    expect(decide('utm=1', false)).toEqual({ kind: 'original', reason: 'no-parameters', message: '' });
  });

  test('an expires still ahead and a key id are signed after the query', () => {
    seen.length = 0;
    expect(decide('width=9&kid=k-2&sig=abc&expires=1800000001', true).kind).toBe('transform');
    expect(seen).toEqual([['/p/a.jpg?width=9&expires=1800000001&kid=k-2', 'abc']]);
  });

  test('the signature covers the canonical path, whatever spelling arrives', () => {
    seen.length = 0;
    decide('width=9&sig=abc', true, '/p/%61%20b.jpg');
    decide('width=9&sig=abc', true, '/%70/a b.jpg');
    expect(seen.map(([message]) => message)).toEqual(['/p/a%20b.jpg?width=9', '/p/a%20b.jpg?width=9']);
  });

  test('signatureClaim reads one decoded sig, expires and kid', () => {
    expect(signatureClaim(pairs('a=1&sig=x%2By'))).toEqual({
      sig: 'x+y',
      expires: undefined,
      kid: undefined,
    });
    expect(signatureClaim(pairs('si%67=z&expires=17&ki%64=a_1'))).toEqual({
      sig: 'z',
      expires: 17,
      kid: 'a_1',
    });
    expect(signatureClaim(pairs('sig=1&sig=1'))).toBe('Malformed sig');
    expect(signatureClaim([] as RawPair[])).toBe('Missing signature');
  });
});

test.each([
  ['abc', 'abc', true],
  ['abc', 'abd', false],
  ['abc', 'ab', false],
  ['ab', 'abc', false],
  ['', '', true],
  ['', 'a', false],
])('constantTimeEqual(%j, %j) is %s', (a, b, equal) => {
  expect(constantTimeEqual(a, b)).toBe(equal);
});

describe('signing with Web Crypto', () => {
  test('HMAC-SHA256 as RFC 4231 test case 2, base64url without padding', async () => {
    expect(await hmacBase64url('Jefe', 'what do ya want for nothing?')).toBe(
      'W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM',
    );
  });

  test('signPath signs the canonical request and leaves the original alone', async () => {
    const config = { ...DEFAULT_CONFIG, signing: { required: true } };
    const signed = await signPath('/a.jpg?quality=80&width=10', 'k', config);
    expect(signed).toBe(`/a.jpg?width=10&sig=${await hmacBase64url('k', '/a.jpg?width=10')}`);
    expect(await signPath('/a.jpg?utm=1', 'k', config)).toBe('/a.jpg');
    expect(await signPath('/a.jpg', 'k', config)).toBe('/a.jpg');
    await expect(signPath('/a.jpg?width=x', 'k', config)).rejects.toMatchObject({
      code: 'invalid-parameter',
    });
    await expect(signPath('a.jpg?width=1', 'k', config)).rejects.toMatchObject({ code: 'invalid-parameter' });
    await expect(signPath('/a.jpg?width=1', '', config)).rejects.toThrow('The signing secret is empty');
  });

  test('decideViewer checks with the secret, and refuses all without one', async () => {
    const config = { ...DEFAULT_CONFIG, signing: { required: true } };
    const signed = await signPath('/a.jpg?width=10', 'k', config);
    const input = (path: string) => ({
      uri: '/a.jpg',
      pairs: splitQuery(path.slice(path.indexOf('?'))),
      accept: undefined,
    });
    expect((await decideViewer(input(signed), config, 'k')).kind).toBe('transform');
    expect((await decideViewer(input(signed), config, 'other')).kind).toBe('forbidden');
    expect((await decideViewer(input(signed), config, undefined)).kind).toBe('forbidden');
    expect((await decideViewer(input(signed), DEFAULT_CONFIG, undefined)).kind).toBe('transform'); // signing off
    // Secrets by key id: the default key under '', a URL without kid checked with it.
    expect((await decideViewer(input(signed), config, { '': 'k', next: 'n' })).kind).toBe('transform');
    expect((await decideViewer(input(signed), config, { next: 'k' })).kind).toBe('forbidden');
    expect(canonicalQueryString({ quality: 5, width: 1 })).toBe('width=1&quality=5');
  });
});
