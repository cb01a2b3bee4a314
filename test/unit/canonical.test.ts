import { describe, expect, test } from 'vitest';
import {
  acceptedImageTypeList,
  canonicalQueryString,
  constantTimeEqual,
  decodeComponent,
  type RawPair,
  rulesOf,
  signatureOf,
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
    viewerDecision({ uri: '/a.jpg', pairs: pairs(query), accept }, rules, () => false);

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
  const decide = (query: string, ok: boolean, uri = '/p/a.jpg') =>
    viewerDecision({ uri, pairs: pairs(query), accept: ACCEPT.curl }, SIGNED, (message, sig) => {
      seen.push([message, sig]);
      return ok;
    });

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
    ['width=9&sig=a&sig=b', true, 'Missing signature'],
    ['width=9&sig=%zz', true, 'Missing signature'],
    ['width=9&sig=abc', false, 'Invalid signature'],
    ['width=abc&sig=abc', true, 'Invalid signature'],
  ])('%s -> 403 (%s)', (query, ok, message) => {
    expect(decide(query, ok)).toEqual({ kind: 'forbidden', message });
  });

  test('no transform asked, no signature needed', () => {
    expect(decide('utm=1', false)).toEqual({ kind: 'original', reason: 'no-parameters', message: '' });
  });

  test('signatureOf reads one decoded sig', () => {
    expect(signatureOf(pairs('a=1&sig=x%2By'))).toBe('x+y');
    expect(signatureOf(pairs('si%67=z'))).toBe('z');
    expect(signatureOf(pairs('sig=1&sig=1'))).toBeUndefined();
    expect(signatureOf([] as RawPair[])).toBeUndefined();
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
    expect(canonicalQueryString({ quality: 5, width: 1 })).toBe('width=1&quality=5');
  });
});
