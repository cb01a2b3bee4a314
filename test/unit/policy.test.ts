import { describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG, type ResizerConfig, resolveConfig } from '../../src/core/config.js';
import { applyPolicy } from '../../src/core/policy.js';

const ALLOWED: ResizerConfig = { ...DEFAULT_CONFIG, allowedWidths: [320, 640, 1280] };
const SNAP: ResizerConfig = { ...ALLOWED, snapWidths: true };

describe('allowed widths', () => {
  test('no list: every width passes', () => {
    expect(applyPolicy({ width: 333 }, DEFAULT_CONFIG)).toEqual({ width: 333 });
  });

  test('a listed width, or no width, passes unchanged', () => {
    expect(applyPolicy({ width: 640, height: 100 }, ALLOWED)).toEqual({ width: 640, height: 100 });
    expect(applyPolicy({ height: 100 }, ALLOWED)).toEqual({ height: 100 });
  });

  test('another width is refused with a typed reason', () => {
    expect(() => applyPolicy({ width: 641 }, ALLOWED)).toThrow(
      expect.objectContaining({
        code: 'width-not-allowed',
        message: 'Width 641 is not one of the allowed widths 320, 640, 1280',
      }),
    );
  });

  test.each([
    [{ width: 1 }, { width: 320 }],
    [{ width: 321 }, { width: 640 }],
    [{ width: 5000 }, { width: 1280 }],
    [
      { width: 500, height: 250, fit: 'inside' as const },
      { width: 640, height: 320, fit: 'inside' },
    ],
    [
      { width: 1, height: 16000 },
      { width: 320, height: 16383 },
    ], // a scaled height stays in range
  ])('snapping moves %j to %j', (options, snapped) => {
    expect(applyPolicy(options, SNAP)).toEqual(snapped);
  });

  test('the configuration checks the lists', () => {
    expect(() => resolveConfig({ allowedWidths: [0] })).toThrow('for allowedWidths[0] but received 0');
    expect(() => resolveConfig({ allowedWidths: Array.from({ length: 65 }, (_, i) => i + 1) })).toThrow(
      'a list of at most 64 integers',
    );
    expect(() => resolveConfig({ allowedQualities: [101] })).toThrow(
      'for allowedQualities[0] but received 101',
    );
    expect(() => resolveConfig({ allowedHeights: [10, 10] })).toThrow('distinct values for allowedHeights');
  });
});

describe('allowed heights and qualities', () => {
  const lists: ResizerConfig = { ...DEFAULT_CONFIG, allowedHeights: [200, 400], allowedQualities: [50, 90] };
  test.each([
    [{ height: 201 }, 'height-not-allowed', 'Height 201 is not one of the allowed heights 200, 400'],
    [
      { width: 10, quality: 51 },
      'quality-not-allowed',
      'Quality 51 is not one of the allowed qualities 50, 90',
    ],
  ])('%j is refused', (options, code, message) => {
    expect(() => applyPolicy(options, lists)).toThrow(expect.objectContaining({ code, message }));
  });

  test.each([
    [{ height: 201 }, { height: 400 }],
    [{ height: 999 }, { height: 400 }],
    [
      { width: 10, quality: 51 },
      { width: 10, quality: 90 },
    ],
    [
      { width: 10, quality: 1 },
      { width: 10, quality: 50 },
    ],
  ])('snapping moves %j to %j', (options, snapped) => {
    expect(applyPolicy(options, { ...lists, snapWidths: true })).toEqual(snapped);
  });

  test('a snapped width scales the height, which then snaps to an allowed height', () => {
    const both: ResizerConfig = { ...lists, allowedWidths: [320, 640], snapWidths: true };
    expect(applyPolicy({ width: 500, height: 250 }, both)).toEqual({ width: 640, height: 400 });
  });

  test('a quality snapped onto the default is dropped, as every default is', () => {
    const withDefault: ResizerConfig = { ...DEFAULT_CONFIG, allowedQualities: [60, 80], snapWidths: true };
    expect(applyPolicy({ width: 10, quality: 70 }, withDefault)).toEqual({ width: 10 });
  });
});
