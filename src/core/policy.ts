/**
 * Cache-busting protection: with `allowedWidths` configured, a request for any other width is
 * either refused (served as the original, decided before the origin is read) or, with `snapWidths`,
 * moved to the next allowed width up (the largest when none is above), its height scaled alike so
 * the requested shape is kept. Either way the number of distinct variants stays bounded.
 */
import type { ResizerConfig } from './config.js';
import { ResizerError } from './errors.js';
import type { TransformOptions } from './options.js';

export function applyWidthPolicy(
  options: TransformOptions,
  config: Pick<ResizerConfig, 'allowedWidths' | 'snapWidths'>,
): TransformOptions {
  const { allowedWidths: allowed, snapWidths } = config;
  const { width } = options;
  if (allowed.length === 0 || width === undefined || allowed.includes(width)) return options;
  if (!snapWidths) {
    throw new ResizerError(
      'width-not-allowed',
      `Width ${width} is not one of the allowed widths ${allowed.join(', ')}`,
    );
  }
  const sorted = [...allowed].sort((a, b) => a - b);
  const snapped = sorted.find((w) => w >= width) ?? (sorted.at(-1) as number);
  const snappedOptions: TransformOptions = { ...options, width: snapped };
  if (options.height !== undefined)
    snappedOptions.height = Math.max(1, Math.round((options.height * snapped) / width));
  return snappedOptions;
}
