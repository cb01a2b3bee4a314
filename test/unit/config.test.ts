import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveEdgeConfig } from '../../src/adapters/lambda-edge/config.js';
import { CONFIG_FILE, loadConfig } from '../../src/adapters/node/config-file.js';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/core/config.js';
import { ResizerError } from '../../src/core/errors.js';
import { transform } from '../../src/core/transform.js';
import { scene, toBytes } from '../helpers/images.js';

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

// The library's `context.config` goes through the same schema as edge-resizer.config.json: the same
// typo or wrong type is refused with the same words and a code, never accepted silently.
describe('transform checks context.config like the configuration file', () => {
  const photo = toBytes(scene(300, 200).jpeg());

  test.each([
    [{ alowedWidths: [1] }, 'Invalid configuration: unknown field alowedWidths'],
    [{ limits: { maxPixels: 5 } }, 'Invalid configuration: unknown field limits.maxPixels'],
    [{ limits: 5 }, 'Invalid configuration: expected an object for limits but received 5'],
    [
      { allowedWidths: '100' },
      'Invalid configuration: expected a list of at most 64 integers for allowedWidths but received "100"',
    ],
    [
      { formats: { avif: 'yes' } },
      'Invalid configuration: expected true or false for formats.avif but received "yes"',
    ],
    [null, 'Invalid configuration: expected an object for the configuration but received null'],
  ])('%j is invalid-config', async (config, message) => {
    const error = await transform(await photo, { width: 100 }, { config: config as never }).catch((e) => e);
    expect(error).toBeInstanceOf(ResizerError);
    expect(error).toMatchObject({ code: 'invalid-config', message });
    // The file says the same, with its name in front.
    expect(() => resolveEdgeConfig(config as never)).toThrow(message);
  });

  test("the edge's own fields mean nothing to the library: refused there, not ignored", async () => {
    await expect(
      transform(await photo, { width: 100 }, { config: { fetchTimeoutMs: 1000 } as never }),
    ).rejects.toMatchObject({
      code: 'invalid-config',
      message: 'Invalid configuration: unknown field fetchTimeoutMs',
    });
  });

  test('a valid configuration applies', async () => {
    const config = { allowedWidths: [120], snapWidths: true, defaultQuality: 50 };
    const result = await transform(await photo, { width: 100 }, { config });
    expect([result.width, result.height, result.quality]).toEqual([120, 80, 50]);
  });

  test("an adapter's complete configuration passes with its own fields", async () => {
    const result = await transform(await photo, { width: 100 }, { config: resolveEdgeConfig() });
    expect([result.width, result.height]).toEqual([100, 67]);
  });
});

test('a configuration file with a typo is invalid-config, naming the file and the field', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-config-'));
  writeFileSync(path.join(dir, CONFIG_FILE), '{"alowedWidths":[1]}');
  let error: unknown;
  try {
    loadConfig(undefined, dir);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ResizerError);
  expect(error).toMatchObject({
    code: 'invalid-config',
    message: `${path.join(dir, CONFIG_FILE)}: Invalid configuration: unknown field alowedWidths`,
  });
});
