import { describe, expect, test } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import { applyWidthPolicy } from '../../src/core/policy.js';

const ALLOWED = { allowedWidths: [320, 640, 1280], snapWidths: false };

describe('allowed widths', () => {
  test('no list: every width passes', () => {
    expect(applyWidthPolicy({ width: 333 }, { allowedWidths: [], snapWidths: false })).toEqual({
      width: 333,
    });
  });

  test('a listed width, or no width, passes unchanged', () => {
    expect(applyWidthPolicy({ width: 640, height: 100 }, ALLOWED)).toEqual({ width: 640, height: 100 });
    expect(applyWidthPolicy({ height: 100 }, ALLOWED)).toEqual({ height: 100 });
  });

  test('another width is refused with a typed reason', () => {
    expect(() => applyWidthPolicy({ width: 641 }, ALLOWED)).toThrow(
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
      { width: 500, height: 250, fit: 'cover' as const },
      { width: 640, height: 320, fit: 'cover' },
    ],
  ])('snapping moves %j to %j', (options, snapped) => {
    expect(applyWidthPolicy(options, { ...ALLOWED, snapWidths: true })).toEqual(snapped);
  });

  test('the configuration checks the list', () => {
    expect(() => resolveConfig({ allowedWidths: [0] })).toThrow('for allowedWidths[0] but received 0');
    expect(() => resolveConfig({ allowedWidths: Array.from({ length: 65 }, (_, i) => i + 1) })).toThrow(
      'at most 64 widths',
    );
  });
});
