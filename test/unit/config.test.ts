import { describe, expect, test } from 'vitest';
import { resolveEdgeConfig } from '../../src/adapters/lambda-edge/config.js';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/core/config.js';

test('defaults are safe and complete, each pinned', () => {
  expect(resolveConfig()).toEqual(DEFAULT_CONFIG);
  expect(DEFAULT_CONFIG).toEqual({
    formats: { webp: true, avif: false },
    defaultQuality: 80,
    limits: {
      maxInputBytes: 33_554_432,
      maxInputPixels: 25_000_000,
      maxOutputDimension: 8192,
      maxDecodedPixels: 25_000_000,
      maxDecodedAlphaPixels: 25_000_000,
    },
    cacheControl: 'public, max-age=86400',
    background: [255, 255, 255],
    allowedWidths: [],
    allowedHeights: [],
    allowedQualities: [],
    snapWidths: false,
    signing: { required: false },
    failOn: 'warning',
  });
  expect(resolveEdgeConfig()).toMatchObject({
    ...DEFAULT_CONFIG,
    fetchTimeoutMs: 10_000,
    responseBudgetBytes: 1_000_000,
  });
});

test('overrides merge field by field', () => {
  const config = resolveConfig({ formats: { webp: false }, limits: { maxInputPixels: 1000 } });
  expect(config.formats).toEqual({ webp: false, avif: false });
  expect(config.limits).toEqual({ ...DEFAULT_CONFIG.limits, maxInputPixels: 1000 });
});

describe('a configuration file is checked strictly', () => {
  test.each([
    [{ alowedWidths: [320] }, 'Invalid configuration: unknown field alowedWidths'],
    [{ limits: { maxPixels: 5 } }, 'Invalid configuration: unknown field limits.maxPixels'],
    [{ signing: { secret: 'x' } }, 'Invalid configuration: unknown field signing.secret'],
    [{ formats: { avif: 'on' } }, 'expected true or false for formats.avif'],
    [{ formats: { gif: true } }, 'unknown field formats.gif'],
    [{ failOn: 'none' }, "expected 'warning' or 'error' for failOn"],
    [{ snapWidths: 'yes' }, 'expected true or false for snapWidths'],
    [[], 'expected an object for the configuration'],
  ])('%j', (overrides, message) => {
    expect(() => resolveEdgeConfig(overrides as never)).toThrow(message);
  });
});

describe('bad values are refused with the field named', () => {
  test.each([
    [
      { defaultQuality: 0 },
      'Invalid configuration: expected an integer between 1 and 100 for defaultQuality but received 0',
    ],
    [
      { defaultQuality: '80' },
      'Invalid configuration: expected an integer between 1 and 100 for defaultQuality but received "80"',
    ],
    [{ limits: { maxInputPixels: -1 } }, 'for limits.maxInputPixels but received -1'],
    [{ limits: { maxDecodedAlphaPixels: 0.5 } }, 'for limits.maxDecodedAlphaPixels but received 0.5'],
    [{ formats: { webp: 'yes' } }, 'expected true or false for formats.webp but received "yes"'],
    [{ cacheControl: 'max-age=1\r\nx-evil: 1' }, 'expected a printable header value for cacheControl'],
    [{ background: [0, 0] }, 'expected three integers between 0 and 255 for background'],
    [{ responseBudgetBytes: 2_000_000 }, 'for responseBudgetBytes but received 2000000'],
    [{ fetchTimeoutMs: 60_000 }, 'for fetchTimeoutMs but received 60000'],
    [{ s3Endpoint: 'ftp://x' }, 'expected an http(s) URL for s3Endpoint'],
  ])('%j', (overrides, message) => {
    expect(() => resolveEdgeConfig(overrides as never)).toThrow(message);
  });
});
