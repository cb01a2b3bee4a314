import { describe, expect, test } from 'vitest';
import { chooseFormat, likelyFormats } from '../../src/core/negotiate.js';
import ACCEPT from '../fixtures/accept-headers.json' with { type: 'json' };

const WEBP_ONLY = { webp: true, avif: false };
const ALL = { webp: true, avif: true };
const NONE = { webp: false, avif: false };

describe('format=auto or absent follows Accept', () => {
  test.each([
    ['chrome', 'jpeg', WEBP_ONLY, 'webp'],
    ['chrome', 'jpeg', ALL, 'avif'],
    ['safari', 'png', WEBP_ONLY, 'webp'],
    ['firefox', 'jpeg', NONE, 'jpeg'],
    ['curl', 'jpeg', ALL, 'jpeg'],
    ['curl', 'png', ALL, 'png'],
    ['curl', 'webp', ALL, 'webp'],
    ['none', 'jpeg', ALL, 'jpeg'],
    ['webp refused', 'jpeg', WEBP_ONLY, 'jpeg'],
    ['upper case', 'jpeg', WEBP_ONLY, 'webp'],
  ] as const)('%s, %s input, %j -> %s', (browser, input, enabled, expected) => {
    for (const requested of [undefined, 'auto'] as const) {
      expect(chooseFormat(requested, input, ACCEPT[browser], enabled)).toEqual({
        format: expected,
        negotiated: true,
      });
    }
  });
});

test('an explicit format ignores Accept', () => {
  expect(chooseFormat('png', 'jpeg', ACCEPT.chrome, ALL)).toEqual({ format: 'png', negotiated: false });
  expect(chooseFormat('webp', 'jpeg', ACCEPT.curl, WEBP_ONLY)).toEqual({ format: 'webp', negotiated: false });
});

test('an explicit disabled format is a typed rejection', () => {
  expect(() => chooseFormat('avif', 'jpeg', ACCEPT.chrome, WEBP_ONLY)).toThrow(
    expect.objectContaining({ code: 'format-disabled' }),
  );
  expect(() => chooseFormat('webp', 'jpeg', ACCEPT.chrome, NONE)).toThrow(
    expect.objectContaining({ code: 'format-disabled' }),
  );
});

test.each([
  ['photos/cat.jpg', undefined, { input: 'jpeg', output: 'jpeg' }],
  ['photos/cat.JPEG', 'webp', { input: 'jpeg', output: 'webp' }],
  ['a/b.png', 'auto', { input: 'png', output: 'png' }],
  ['anim.gif', undefined, { input: 'gif', output: 'png' }],
  ['x.avif', undefined, { input: 'avif', output: 'jpeg' }],
  ['no-extension', 'avif', { input: undefined, output: 'avif' }],
  ['readme.txt', undefined, { input: undefined, output: undefined }],
] as const)(
  'likelyFormats(%s, %s): the codecs worth compiling before the original arrives',
  (key, format, expected) => {
    expect(likelyFormats(key, format)).toEqual(expected);
  },
);
