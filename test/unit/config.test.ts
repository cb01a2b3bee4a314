import { describe, expect, test } from 'vitest';
import { resolveEdgeConfig } from '../../src/adapters/lambda-edge/config.js';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/core/config.js';

test('defaults are safe and complete', () => {
  expect(resolveConfig()).toEqual(DEFAULT_CONFIG);
  expect(resolveEdgeConfig()).toMatchObject({
    ...DEFAULT_CONFIG,
    fetchTimeoutMs: 10_000,
    responseBudgetBytes: 1_000_000,
  });
});

test('overrides merge field by field', () => {
  const config = resolveConfig({ formats: { avif: true }, limits: { maxInputPixels: 1000 } });
  expect(config.formats).toEqual({ webp: true, avif: true });
  expect(config.limits).toEqual({ ...DEFAULT_CONFIG.limits, maxInputPixels: 1000 });
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
